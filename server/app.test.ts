import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HTTPException } from 'hono/http-exception';
import { testClient } from 'hono/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from './app.ts';
import { loadConfig, type ServerConfig } from './config.ts';
import { securityHeaderValues } from './middleware/security-headers.ts';

let tmp: string;
let config: ServerConfig;

const indexHtml = '<!doctype html><title>Sotto</title>';
const wasmBytes = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
const modelPath = '/models/sotto/whisper-tiny-random';

async function put(file: string, content: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'sotto-app-'));
  const dist = path.join(tmp, 'dist');
  const models = path.join(tmp, 'models');
  await put(path.join(dist, 'index.html'), indexHtml);
  await put(path.join(dist, 'assets/x-abc123.js'), 'export const x = 1;\n');
  await put(path.join(dist, 'ort/x.wasm'), wasmBytes);
  await put(path.join(dist, 'ort/x.mjs'), 'export default 1;\n');
  await put(path.join(dist, 'manifest.webmanifest'), '{}');
  await put(path.join(models, 'manifest.json'), '{"models":[]}');
  await put(path.join(models, 'sotto/whisper-tiny-random/config.json'), '{"model_type":"whisper"}');
  await put(path.join(models, 'sotto/whisper-tiny-random/onnx/encoder_model_quantized.onnx'), new Uint8Array(64));
  await put(path.join(models, '.hidden'), 'hidden');
  await put(path.join(tmp, 'secret'), 'TOP SECRET');
  config = loadConfig({ SOTTO_DIST_DIR: dist, SOTTO_MODELS_DIR: models });
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function expectSecurityHeaders(res: Response): void {
  for (const [name, value] of Object.entries(securityHeaderValues)) {
    expect(res.headers.get(name), name).toBe(value);
  }
}

async function expectProblem(res: Response, status: number): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status);
  expect(res.headers.get('Content-Type')).toBe('application/problem+json');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ type: 'about:blank', status, title: expect.any(String) });
  return body;
}

describe('API routes', () => {
  it('answers /healthz with status, uptime and version', async () => {
    const res = await createApp(config).request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', uptimeSeconds: expect.any(Number), version: '0.1.0' });
  });

  it('tells the web app which ASR model to load, through the typed client', async () => {
    const client = testClient(createApp(loadConfig({ SOTTO_ASR_MODEL: 'onnx-community/whisper-base' })));
    const res = await client.api.config.$get();
    const body = await res.json();
    expect(body.asrModel).toBe('onnx-community/whisper-base');
  });

  it('answers unknown API paths with 404 problem json, not the SPA page', async () => {
    const res = await createApp(config).request('/api/nope', { headers: { Accept: 'text/html' } });
    await expectProblem(res, 404);
  });
});

describe('security headers', () => {
  const app = () => {
    const app = createApp(config);
    app.get('/boom', () => {
      throw new Error('boom');
    });
    return app;
  };

  it.each([
    '/',
    '/assets/x-abc123.js',
    '/ort/x.wasm',
    `${modelPath}/config.json`,
    '/healthz',
    '/missing.js',
    `${modelPath}/missing.json`,
    '/models/%2e%2e%2fsecret',
    '/boom',
  ])('are set on %s', async (url) => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    expectSecurityHeaders(await app().request(url));
    spy.mockRestore();
  });
});

describe('static files', () => {
  it.each([
    ['/', 'text/html; charset=utf-8', 'no-cache'],
    ['/index.html', 'text/html; charset=utf-8', 'no-cache'],
    ['/assets/x-abc123.js', 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable'],
    ['/ort/x.wasm', 'application/wasm', 'public, max-age=31536000, immutable'],
    ['/ort/x.mjs', 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable'],
    ['/manifest.webmanifest', 'application/manifest+json', 'no-cache'],
    ['/models/manifest.json', 'application/json; charset=utf-8', 'public, max-age=3600'],
    [`${modelPath}/config.json`, 'application/json; charset=utf-8', 'public, max-age=3600'],
    [`${modelPath}/onnx/encoder_model_quantized.onnx`, 'application/octet-stream', 'public, max-age=3600'],
  ])('serves %s as %s with Cache-Control %s', async (url, type, cache) => {
    const res = await createApp(config).request(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe(type);
    expect(res.headers.get('Cache-Control')).toBe(cache);
    expect(res.headers.get('ETag')).toMatch(/^W\/"[0-9a-f]+-[0-9a-f]+"$/);
    expect(res.headers.get('Last-Modified')).not.toBeNull();
  });

  it('streams the exact bytes with Content-Length', async () => {
    const res = await createApp(config).request('/ort/x.wasm');
    expect(res.headers.get('Content-Length')).toBe(String(wasmBytes.length));
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(wasmBytes);
  });

  it('answers HEAD with headers and no body', async () => {
    const res = await createApp(config).request(`${modelPath}/config.json`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Length')).toBe('24');
    expect(res.headers.get('Content-Type')).toBe('application/json; charset=utf-8');
    expect(await res.text()).toBe('');
  });

  it('answers 304 when If-None-Match matches the ETag', async () => {
    const app = createApp(config);
    const first = await app.request('/assets/x-abc123.js');
    const etag = first.headers.get('ETag') ?? '';
    const res = await app.request('/assets/x-abc123.js', { headers: { 'If-None-Match': `"other", ${etag}` } });
    expect(res.status).toBe(304);
    expect(res.headers.get('ETag')).toBe(etag);
    expect(await res.text()).toBe('');
    expectSecurityHeaders(res);
  });

  it('answers 200 when If-None-Match does not match', async () => {
    const res = await createApp(config).request('/assets/x-abc123.js', { headers: { 'If-None-Match': '"stale"' } });
    expect(res.status).toBe(200);
  });

  it('answers 304 for If-Modified-Since at or after the file time', async () => {
    const app = createApp(config);
    const lastModified = (await app.request('/ort/x.wasm')).headers.get('Last-Modified') ?? '';
    const res = await app.request('/ort/x.wasm', { headers: { 'If-Modified-Since': lastModified } });
    expect(res.status).toBe(304);
  });

  it('falls back to index.html for page navigations', async () => {
    const res = await createApp(config).request('/settings/languages', { headers: { Accept: 'text/html,*/*' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('Cache-Control')).toBe('no-cache');
    expect(await res.text()).toBe(indexHtml);
  });

  it('does not fall back for non-page requests or model files', async () => {
    const app = createApp(config);
    await expectProblem(await app.request('/settings', { headers: { Accept: '*/*' } }), 404);
    await expectProblem(await app.request('/assets/missing.js'), 404);
    await expectProblem(await app.request(`${modelPath}/missing.json`, { headers: { Accept: 'text/html' } }), 404);
  });

  it('hides dotfiles and ignores other methods', async () => {
    const app = createApp(config);
    await expectProblem(await app.request('/models/.hidden'), 404);
    await expectProblem(await app.request('/index.html', { method: 'POST' }), 404);
  });

  it.each([
    '/models/../package.json',
    '/models/%2e%2e/secret',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/models/%2e%2e%2fsecret',
    '/models/..%2f..%2fsecret',
    '/models/..%5csecret',
    '/models//etc/passwd',
    '/models/%2Fetc%2Fpasswd',
    '/models/config.json%00.png',
    '/models/%E0%A4%A',
    '/assets/..%2f..%2fsecret',
  ])('rejects traversal attempt %s', async (url) => {
    const res = await createApp(config).request(url, { headers: { Accept: '*/*' } });
    const body = await expectProblem(res, res.status === 400 ? 400 : 404);
    expect(JSON.stringify(body)).not.toContain('SECRET');
    expect(JSON.stringify(body)).not.toContain(tmp);
  });

  it('answers 503 problem json when the app is not built', async () => {
    const app = createApp({ ...config, distDir: path.join(tmp, 'no-dist') });
    const body = await expectProblem(await app.request('/'), 503);
    expect(body.detail).toContain('npm run build');
    await expectProblem(await app.request('/settings', { headers: { Accept: 'text/html' } }), 503);
    expect((await app.request('/healthz')).status).toBe(200);
    expect((await app.request(`${modelPath}/config.json`)).status).toBe(200);
  });
});

describe('a known path asked with a method it does not take', () => {
  it.each([
    ['POST', '/healthz', 'GET, HEAD, OPTIONS'],
    ['DELETE', '/readyz', 'GET, HEAD, OPTIONS'],
    ['PUT', '/metrics', 'GET, HEAD, OPTIONS'],
    ['GET', '/v1/translate', 'OPTIONS, POST'],
    ['PATCH', '/v1/models', 'GET, HEAD, OPTIONS'],
    ['GET', '/translate', 'OPTIONS, POST'],
    ['DELETE', '/languages', 'GET, HEAD, OPTIONS'],
    ['POST', '/api/config', 'GET, HEAD, OPTIONS'],
  ])('answers %s %s with 405 and Allow: %s', async (method, url, allow) => {
    const res = await createApp(config).request(url, { method, headers: { Accept: 'text/html' } });
    const body = await expectProblem(res, 405);
    expect(res.headers.get('Allow')).toBe(allow);
    expect(body.detail).toBe(`${url} answers ${allow}, not ${method}.`);
  });

  it('still answers unknown paths with 404, and hides the admin routes without an admin key', async () => {
    const app = createApp(config);
    await expectProblem(await app.request('/v1/nope', { method: 'DELETE' }), 404);
    await expectProblem(await app.request('/admin/keys', { method: 'DELETE' }), 404);
    const withAdmin = createApp(loadConfig({ SOTTO_ADMIN_KEY_HASH: `sha256$${'0'.repeat(64)}` }));
    expect((await withAdmin.request('/admin/keys', { method: 'DELETE' })).headers.get('Allow')).toBe('GET, HEAD, OPTIONS');
  });

  it('leaves CORS preflights and HEAD to the routes', async () => {
    const app = createApp(config);
    expect((await app.request('/healthz', { method: 'HEAD' })).status).toBe(200);
    expect((await app.request('/v1/translate', { method: 'OPTIONS' })).status).not.toBe(405);
  });
});

describe('errors', () => {
  it('turns an unexpected error into a 500 problem without internals', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    const app = createApp(config);
    app.get('/boom', () => {
      throw new Error(`failed reading ${tmp}/internal.ts`);
    });
    const res = await app.request('/boom');
    const text = JSON.stringify(await expectProblem(res, 500));
    expect(text).not.toContain(tmp);
    expect(text).not.toMatch(/stack|at .*\.ts:\d+/);
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
  });

  it('turns an HTTPException into a problem with its status', async () => {
    const app = createApp(config);
    app.get('/teapot', () => {
      throw new HTTPException(422, { message: 'Bad input.' });
    });
    const body = await expectProblem(await app.request('/teapot'), 422);
    expect(body).toMatchObject({ title: 'Unprocessable Content', detail: 'Bad input.' });
  });
});
