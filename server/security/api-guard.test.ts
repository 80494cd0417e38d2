import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { problemResponder } from '../v1/error-responses.ts';
import { apiGuard, createSecurity, spendSegments } from './api-guard.ts';
import { parseSecuritySettings } from './settings.ts';
import { bearer, fromAddress, keyedEnv, keys, postJson, securedApp, sha256Hash, translateBody } from '../../testing/security-fixtures.ts';

async function expectProblem(res: Response, status: number): Promise<string> {
  expect(res.status).toBe(status);
  expect(res.headers.get('Content-Type')).toBe('application/problem+json');
  const body = (await res.json()) as { status: number; detail: string };
  expect(body.status).toBe(status);
  return body.detail;
}

async function expectLibreError(res: Response, status: number): Promise<string> {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error: string };
  expect(Object.keys(body)).toEqual(['error']);
  return body.error;
}

const libre = { q: 'Hello', source: 'en', target: 'de' };

describe('SOTTO_AUTH=required (the default once keys are configured)', () => {
  it.each(['/v1/translate', '/v1/models', '/v1/stats'])('refuses %s without a key: 401, Bearer challenge, problem+json', async (path) => {
    const { app, service } = securedApp();
    const res = await app.request(path, path === '/v1/translate' ? postJson(translateBody) : {});
    expect(res.headers.get('WWW-Authenticate')).toBe('Bearer realm="sotto"');
    expect(await expectProblem(res, 401)).toMatch(/API key is required.*Authorization: Bearer/);
    expect(service.requests).toEqual([]);
  });

  it.each([
    ['a wrong key', 'sotto_alice.wrong', /not valid/],
    ['a key with no entry', 'whatever', /not valid/],
    ['a revoked key', keys.carol, /revoked/],
  ])('refuses %s with 401 invalid_token', async (_name, key, detail) => {
    const { app, service } = securedApp();
    const res = await app.request('/v1/translate', postJson(translateBody, bearer(key)));
    expect(res.headers.get('WWW-Authenticate')).toBe('Bearer realm="sotto", error="invalid_token"');
    expect(await expectProblem(res, 401)).toMatch(detail);
    expect(service.requests).toEqual([]);
  });

  it('admits a valid key given as Authorization: Bearer or X-API-Key', async () => {
    const { app } = securedApp();
    expect((await app.request('/v1/translate', postJson(translateBody, bearer(keys.dave)))).status).toBe(200);
    expect((await app.request('/v1/translate', postJson(translateBody, { 'X-API-Key': keys.dave }))).status).toBe(200);
    expect((await app.request('/v1/models', { headers: bearer(keys.dave) })).status).toBe(200);
  });

  it('takes LibreTranslate’s api_key field from JSON, urlencoded and multipart bodies', async () => {
    const { app, service } = securedApp();
    expect((await app.request('/translate', postJson({ ...libre, api_key: keys.dave }))).status).toBe(200);
    const form = new URLSearchParams({ ...libre, api_key: keys.dave });
    expect((await app.request('/translate', { method: 'POST', body: form })).status).toBe(200);
    const multipart = new FormData();
    for (const [name, value] of Object.entries({ ...libre, api_key: keys.dave })) multipart.set(name, value);
    expect((await app.request('/translate', { method: 'POST', body: multipart })).status).toBe(200);
    expect((await app.request('/translate', postJson(libre, bearer(keys.dave)))).status).toBe(200);
    expect(service.requests).toHaveLength(4);
  });

  it('refuses /translate without a valid api_key in LibreTranslate’s error shape: 401 without one, its 403 for a refused one', async () => {
    const { app, service } = securedApp();
    const missing = await app.request('/translate', postJson(libre));
    expect(await expectLibreError(missing, 401)).toMatch(/API key is required/);
    expect(missing.headers.get('WWW-Authenticate')).toBe('Bearer realm="sotto"');
    expect(await expectLibreError(await app.request('/translate', postJson({ ...libre, api_key: 'nope' })), 403)).toMatch(/not valid/);
    expect(await expectLibreError(await app.request('/translate', postJson({ ...libre, api_key: keys.carol })), 403)).toMatch(/revoked/);
    expect(await expectLibreError(await app.request('/detect', postJson({ q: 'x', api_key: 'nope' })), 403)).toMatch(/not valid/);
    expect(service.requests).toEqual([]);
  });

  it('takes the key from `apiKey` too, as the libretranslate npm client sends it', async () => {
    const { app } = securedApp();
    expect((await app.request('/translate', postJson({ ...libre, apiKey: keys.dave }))).status).toBe(200);
    expect((await app.request('/translate', postJson({ ...libre, apiKey: 'nope' }))).status).toBe(403);
  });

  it('keeps GET /languages open, as LibreTranslate does', async () => {
    const { app } = securedApp();
    expect((await app.request('/languages')).status).toBe(200);
  });
});

describe('SOTTO_AUTH=optional and off', () => {
  it('optional: admits requests without a key, refuses a wrong one', async () => {
    const { app } = securedApp({ ...keyedEnv, SOTTO_AUTH: 'optional' });
    expect((await app.request('/v1/translate', postJson(translateBody))).status).toBe(200);
    expect((await app.request('/translate', postJson(libre))).status).toBe(200);
    await expectProblem(await app.request('/v1/translate', postJson(translateBody, bearer('wrong'))), 401);
    expect((await app.request('/v1/translate', postJson(translateBody, bearer(keys.dave)))).status).toBe(200);
  });

  it('off (the default without keys): needs no key and ignores one', async () => {
    const { app } = securedApp({});
    expect((await app.request('/v1/translate', postJson(translateBody))).status).toBe(200);
    expect((await app.request('/v1/translate', postJson(translateBody, bearer('anything')))).status).toBe(200);
  });
});

describe('rate limits and quotas', () => {
  it('answers a key over its rate with 429, Retry-After and RateLimit headers', async () => {
    const { app } = securedApp();
    const send = () => app.request('/v1/translate', postJson(translateBody, bearer(keys.alice)));
    const [first, second, third] = [await send(), await send(), await send()];
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(['Limit', 'Remaining', 'Reset'].map((h) => first.headers.get(`RateLimit-${h}`))).toEqual(['2', '1', '30']);
    expect(second.headers.get('RateLimit-Remaining')).toBe('0');
    expect(await expectProblem(third, 429)).toBe('rate limit of 2 requests/minute for key alice exceeded');
    expect(third.headers.get('Retry-After')).toBe('30');
    expect(third.headers.get('RateLimit-Remaining')).toBe('0');
  });

  it('answers a key over its daily quota with 429 and Retry-After until midnight UTC, without translating', async () => {
    const { app, service } = securedApp();
    const send = (segments: string[]) => app.request('/v1/translate', postJson({ ...translateBody, segments }, bearer(keys.bob)));
    expect((await send(['a', 'b', 'c', 'd'])).status).toBe(200);
    const over = await send(['e', 'f']);
    expect(await expectProblem(over, 429)).toBe('2 segments exceed the 1 left of the daily quota of 5 segments for key bob');
    expect(Number(over.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(Number(over.headers.get('Retry-After'))).toBeLessThanOrEqual(86_400);
    expect((await send(['e'])).status).toBe(200);
    expect(await expectProblem(await send(['f']), 429)).toBe('daily quota of 5 segments used for key bob; it resets at midnight UTC');
    expect(service.requests.map((r) => r.segments.length)).toEqual([4, 1]);
  });

  it('counts LibreTranslate texts against the quota, answering in its shape', async () => {
    const { app } = securedApp();
    expect((await app.request('/translate', postJson({ ...libre, q: ['a', 'b', 'c', 'd'], api_key: keys.bob }))).status).toBe(200);
    expect((await app.request('/translate', postJson({ ...libre, api_key: keys.bob }))).status).toBe(200);
    const over = await app.request('/translate', postJson({ ...libre, api_key: keys.bob }));
    expect(await expectLibreError(over, 429)).toMatch(/daily quota of 5 segments used/);
    expect(over.headers.get('Retry-After')).not.toBeNull();
  });

  it('limits anonymous requests per client address', async () => {
    const { app } = securedApp({ SOTTO_ANON_RATE_PER_MINUTE: '2' });
    const from = (address: string) => app.request('/v1/translate', postJson(translateBody), fromAddress(address));
    expect([(await from('10.0.0.1')).status, (await from('10.0.0.1')).status]).toEqual([200, 200]);
    const refused = await from('10.0.0.1');
    expect(await expectProblem(refused, 429)).toBe('rate limit of 2 requests/minute for requests without an API key from this address exceeded');
    expect(refused.headers.get('Retry-After')).toBe('30');
    expect((await from('10.0.0.2')).status).toBe(200);
  });

  it('counts the characters of anonymous requests per address: 429 with Retry-After past the budget, 413 above it', async () => {
    const { app, service } = securedApp({ SOTTO_ANON_CHARS_PER_MINUTE: '100' });
    const send = (segments: string[], address = '10.0.0.1') =>
      app.request('/v1/translate', postJson({ ...translateBody, segments }), fromAddress(address));
    expect((await send(['x'.repeat(40), 'y'.repeat(40)])).status).toBe(200);
    const over = await send(['z'.repeat(30)]);
    expect(await expectProblem(over, 429)).toBe('30 characters exceed the 20 left of the 100 characters/minute for requests without an API key from this address');
    expect(over.headers.get('Retry-After')).toBe('6');
    expect((await send(['z'.repeat(20)])).status).toBe(200);
    expect((await send(['w'.repeat(30)], '10.0.0.2')).status).toBe(200);
    const huge = await send(['a'.repeat(50), 'b'.repeat(50), 'c'.repeat(1)], '10.0.0.3');
    expect(await expectProblem(huge, 413)).toMatch(/^101 characters are more than the 100 a minute allowed/);
    expect(service.requests.map((r) => r.segments.join('').length)).toEqual([80, 20, 30]);
  });

  it('counts a key’s characters against its charsPerMinute, LibreTranslate texts included', async () => {
    const entries = JSON.stringify([{ id: 'erin', hash: sha256Hash(keys.dave), charsPerMinute: 60 }]);
    const { app } = securedApp({ SOTTO_API_KEYS: entries });
    const v1 = (segments: string[]) => app.request('/v1/translate', postJson({ ...translateBody, segments }, bearer(keys.dave)));
    expect((await v1(['x'.repeat(30)])).status).toBe(200);
    const libre = await app.request('/translate', postJson({ q: ['x'.repeat(20), 'y'.repeat(20)], source: 'en', target: 'de', api_key: keys.dave }));
    expect(libre.status).toBe(429);
    expect(((await libre.json()) as { error: string }).error).toMatch(/^40 characters exceed the 30 left of the 60 characters\/minute for key erin/);
    expect(Number(libre.headers.get('Retry-After'))).toBe(10);
  });

  it('limits anonymous characters to 30 000 a minute by default; SOTTO_ANON_CHARS_PER_MINUTE=0 lifts it', async () => {
    const statuses = async (env: Record<string, string>) => {
      const { app } = securedApp(env);
      const full = postJson({ ...translateBody, segments: Array.from({ length: 4 }, () => 'x'.repeat(50)) });
      const seen = new Set<number>();
      // 32 000 characters: over the budget however much of it refills while they are sent (under 4 s).
      for (let i = 0; i < 160; i++) seen.add((await app.request('/v1/translate', full)).status);
      return [...seen];
    };
    expect(await statuses({})).toEqual([200, 429]);
    expect(await statuses({ SOTTO_ANON_CHARS_PER_MINUTE: '0' })).toEqual([200]);
  });

  it('behind SOTTO_TRUSTED_PROXIES proxies, limits per the address X-Forwarded-For names, not per proxy', async () => {
    const behindIngress = (env: Record<string, string>) => securedApp({ SOTTO_ANON_RATE_PER_MINUTE: '1', ...env }).app;
    const send = (app: ReturnType<typeof behindIngress>, client: string) =>
      app.request('/v1/translate', postJson(translateBody, { 'X-Forwarded-For': client }), fromAddress('10.0.0.254'));
    const trusted = behindIngress({ SOTTO_TRUSTED_PROXIES: '1' });
    expect([(await send(trusted, '203.0.113.1')).status, (await send(trusted, '203.0.113.2')).status, (await send(trusted, '203.0.113.1')).status]).toEqual([200, 200, 429]);
    // Untrusted, the header is the client's word: everyone behind the proxy shares its bucket.
    const untrusted = behindIngress({});
    expect([(await send(untrusted, '203.0.113.1')).status, (await send(untrusted, '203.0.113.2')).status]).toEqual([200, 429]);
  });

  it('brakes an address that keeps presenting unknown keys', async () => {
    const { app } = securedApp();
    for (let i = 0; i < 30; i++) await expectProblem(await app.request('/v1/models', { headers: bearer(`guess-${i}`) }, fromAddress('10.0.0.9')), 401);
    const braked = await app.request('/v1/models', { headers: bearer('guess-31') }, fromAddress('10.0.0.9'));
    expect(await expectProblem(braked, 429)).toMatch(/too many unrecognised keys/);
    expect(Number(braked.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect((await app.request('/v1/models', { headers: bearer(keys.dave) }, fromAddress('10.0.0.10'))).status).toBe(200);
  });

  it('never locks out a valid key: from a braked address it is still checked and admitted, as is the admin key', async () => {
    const { app } = securedApp();
    const from = (headers: Record<string, string>) => app.request('/v1/models', { headers }, fromAddress('10.0.0.9'));
    for (let i = 0; i < 40; i++) await from(bearer(`guess-${i}`));
    expect((await from(bearer('guess-41'))).status).toBe(429);
    expect((await from(bearer(keys.dave))).status).toBe(200);
    expect((await app.request('/admin/keys', { headers: bearer(keys.admin) }, fromAddress('10.0.0.9'))).status).toBe(200);
  });

  it('brakes guesses at one named key without braking another key from the same address', async () => {
    const { app } = securedApp();
    const from = (key: string) => app.request('/v1/models', { headers: bearer(key) }, fromAddress('10.0.0.7'));
    for (let i = 0; i < 30; i++) expect((await from(`sotto_dave.guess${i}`)).status).toBe(401);
    expect((await from('sotto_dave.guess-31')).status).toBe(429);
    expect((await from(keys.alice)).status).toBe(200);
  });
});

describe('the request context', () => {
  function probe(env: Record<string, string>) {
    const result = parseSecuritySettings(env);
    if (!result.ok) throw new Error(result.problems.join('\n'));
    return new Hono()
      .use(apiGuard(createSecurity(result.settings), problemResponder))
      .get('/', (c) => spendSegments(c, ['x'], problemResponder) ?? c.json({ apiKeyId: c.get('apiKeyId') ?? null }));
  }

  it('carries the key id for metrics and cost, and none for anonymous requests', async () => {
    expect(await (await probe(keyedEnv).request('/', { headers: bearer(keys.dave) })).json()).toEqual({ apiKeyId: 'dave' });
    expect(await (await probe({ ...keyedEnv, SOTTO_AUTH: 'optional' }).request('/')).json()).toEqual({ apiKeyId: null });
  });
});
