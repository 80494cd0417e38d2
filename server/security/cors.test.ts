import { describe, expect, it } from 'vitest';
import { keyedEnv, keys, postJson, securedApp, translateBody } from '../../testing/security-fixtures.ts';

const allowed = 'https://app.example';
const env = { ...keyedEnv, SOTTO_CORS_ORIGINS: `${allowed},http://localhost:5173` };

const preflight = (origin: string, path = '/v1/translate') =>
  securedApp(env).app.request(path, {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type' },
  });

describe('CORS on the translation APIs', () => {
  it.each([
    ['/v1/translate', postJson(translateBody, { Origin: allowed, Authorization: `Bearer ${keys.dave}` })],
    ['/translate', postJson({ q: 'x', source: 'en', target: 'de', api_key: keys.dave }, { Origin: allowed })],
    ['/languages', { headers: { Origin: allowed } }],
  ])('lets an allowed origin read %s, with CORP cross-origin and Vary: Origin', async (path, init) => {
    const res = await securedApp(env).app.request(path, init);
    expect(res.status).toBe(200);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe(allowed);
    expect(res.headers.get('Access-Control-Expose-Headers')).toContain('Retry-After');
    expect(res.headers.get('Vary')).toContain('Origin');
    expect(res.headers.get('Cross-Origin-Resource-Policy')).toBe('cross-origin');
    expect(res.headers.get('Cross-Origin-Embedder-Policy')).toBe('require-corp');
  });

  it('gives a refused origin no CORS headers and keeps CORP same-origin', async () => {
    const res = await securedApp(env).app.request('/v1/models', { headers: { Origin: 'https://evil.example', Authorization: `Bearer ${keys.dave}` } });
    expect(res.headers.get('Access-Control-Allow-Origin')).toBeNull();
    expect(res.headers.get('Vary')).toContain('Origin');
    expect(res.headers.get('Cross-Origin-Resource-Policy')).toBe('same-origin');
  });

  it('allows no cross-origin caller by default', async () => {
    const res = await securedApp({}).app.request('/v1/models', { headers: { Origin: allowed } });
    expect(res.headers.get('Access-Control-Allow-Origin')).toBeNull();
    expect(res.headers.get('Cross-Origin-Resource-Policy')).toBe('same-origin');
  });

  it('answers an allowed preflight without a key: 204 with methods, headers and max age', async () => {
    const res = await preflight(allowed);
    expect(res.status).toBe(204);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe(allowed);
    expect(res.headers.get('Access-Control-Allow-Methods')).toBe('GET,POST');
    expect(res.headers.get('Access-Control-Allow-Headers')?.toLowerCase()).toBe('authorization,x-api-key,content-type,x-deadline-ms');
    expect(res.headers.get('Access-Control-Max-Age')).toBe('600');
    expect(res.headers.get('Vary')).toContain('Origin');
    expect((await preflight(allowed, '/translate')).headers.get('Access-Control-Allow-Origin')).toBe(allowed);
  });

  it('answers a refused preflight without Access-Control-Allow-Origin', async () => {
    const res = await preflight('https://evil.example');
    expect(res.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });

  it('leaves other paths alone', async () => {
    const app = securedApp(env).app;
    for (const path of ['/healthz', '/api/config', '/admin/keys']) {
      const res = await app.request(path, { headers: { Origin: allowed } });
      expect(res.headers.get('Access-Control-Allow-Origin'), path).toBeNull();
      expect(res.headers.get('Cross-Origin-Resource-Policy'), path).toBe('same-origin');
    }
  });
});
