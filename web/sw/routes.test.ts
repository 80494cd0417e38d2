import { describe, expect, it } from 'vitest';
import { strategyFor, type RequestInfo } from './routes.ts';

const origin = 'https://sotto.example';
const precached = new Set(['/index.html', '/assets/index-abc.js', '/ort/1.0.0/ort.wasm']);
const get = (path: string, mode = 'cors'): RequestInfo => ({ method: 'GET', url: `${origin}${path}`, mode });
const strategy = (request: RequestInfo) => strategyFor(request, origin, precached);

describe('strategyFor', () => {
  it('serves precached files and the page from the shell', () => {
    expect(strategy(get('/assets/index-abc.js'))).toBe('shell');
    expect(strategy(get('/ort/1.0.0/ort.wasm'))).toBe('shell');
    expect(strategy(get('/', 'navigate'))).toBe('navigation');
    expect(strategy(get('/?backend=wasm', 'navigate'))).toBe('navigation');
  });

  it('keeps the start-up JSON network-first', () => {
    expect(strategy(get('/api/config'))).toBe('network-first');
    expect(strategy(get('/models/manifest.json'))).toBe('network-first');
  });

  it('sends model files to the models route, never the shell', () => {
    expect(strategy(get('/models/sotto/whisper-tiny-random/onnx/encoder_model_q8.onnx'))).toBe('models');
  });

  it('leaves POSTs, other origins, other pages and unknown files to the network', () => {
    expect(strategy({ method: 'POST', url: `${origin}/v1/translate`, mode: 'cors' })).toBe('network');
    expect(strategy({ method: 'GET', url: 'https://cdn.example/assets/index-abc.js', mode: 'cors' })).toBe('network');
    expect(strategy(get('/metrics', 'navigate'))).toBe('network');
    expect(strategy(get('/healthz'))).toBe('network');
    expect(strategy(get('/assets/index-abc.js?v=2'))).toBe('network');
  });
});
