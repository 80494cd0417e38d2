import { describe, expect, it } from 'vitest';
import { fakeTranslationService } from '../../testing/translation-doubles.ts';
import { bearer, fromAddress, keyedEnv, keys, securedApp, sha256Hash } from '../../testing/security-fixtures.ts';

const metricsToken = `sotto-metrics.${'m'.repeat(43)}`;
const withToken = { SOTTO_METRICS_TOKEN_HASH: sha256Hash(metricsToken) };

async function scrapeStatus(env: Record<string, string>, headers: Record<string, string> = {}): Promise<number> {
  return (await securedApp(env).app.request('/metrics', { headers })).status;
}

describe('GET /metrics', () => {
  it('is open with auth off or optional and no metrics token', async () => {
    expect(await scrapeStatus({})).toBe(200);
    expect(await scrapeStatus({ ...keyedEnv, SOTTO_AUTH: 'optional' })).toBe(200);
  });

  it('under SOTTO_AUTH=required needs the admin key: no key, an API key or a wrong key get 401', async () => {
    const { app } = securedApp();
    for (const headers of [{}, bearer(keys.dave), bearer('sotto-admin.wrong')]) {
      const res = await app.request('/metrics', { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('WWW-Authenticate')).toMatch(/^Bearer realm="sotto-metrics"/);
      expect(res.headers.get('Content-Type')).toBe('application/problem+json');
    }
    const scraped = await app.request('/metrics', { headers: bearer(keys.admin) });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('sotto_http_requests_total');
  });

  it('once SOTTO_METRICS_TOKEN_HASH is set, needs that token or the admin key, whatever SOTTO_AUTH says', async () => {
    for (const env of [{ ...keyedEnv, ...withToken }, { SOTTO_ADMIN_KEY_HASH: keyedEnv.SOTTO_ADMIN_KEY_HASH, ...withToken }]) {
      expect(await scrapeStatus(env)).toBe(401);
      expect(await scrapeStatus(env, bearer(keys.dave))).toBe(401);
      expect(await scrapeStatus(env, bearer(metricsToken))).toBe(200);
      expect(await scrapeStatus(env, bearer(keys.admin))).toBe(200);
    }
  });

  it('under SOTTO_AUTH=required with neither a metrics token nor an admin key, stays closed and says what to set', async () => {
    const res = await securedApp({ SOTTO_API_KEYS: keyedEnv.SOTTO_API_KEYS }).app.request('/metrics');
    expect(res.status).toBe(401);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/SOTTO_METRICS_TOKEN_HASH/);
  });

  it('never takes the metrics token as an API key or the admin key', async () => {
    const { app } = securedApp({ ...keyedEnv, ...withToken });
    expect((await app.request('/v1/models', { headers: bearer(metricsToken) })).status).toBe(401);
    expect((await app.request('/admin/keys', { headers: bearer(metricsToken) })).status).toBe(401);
  });

  it('is not locked by guessed API keys from the same address', async () => {
    const { app } = securedApp({ ...keyedEnv, ...withToken });
    for (let i = 0; i < 40; i++) await app.request('/v1/models', { headers: bearer(`guess-${i}`) }, fromAddress('10.0.0.9'));
    expect((await app.request('/metrics', { headers: bearer(metricsToken) }, fromAddress('10.0.0.9'))).status).toBe(200);
  });
});

describe('worker process ids', () => {
  const withPids = () =>
    fakeTranslationService({
      stats: () => ({
        cache: { entries: 0, capacity: 10, hits: 0, misses: 0, hitRate: 0, deduplicated: 0 },
        queue: { queued: 0, maxQueued: 10, batchesInFlight: 0, drainRatePerSecond: undefined },
        workers: { workers: [{ state: 'ready', busy: false, models: ['sotto/fake'], pid: 4242 }], restarts: 1 },
      }),
    });

  it('are left out of /v1/stats', async () => {
    const { app } = securedApp(keyedEnv, withPids());
    const res = await app.request('/v1/stats', { headers: bearer(keys.dave) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { workers: { workers: Record<string, unknown>[]; restarts: number } };
    expect(body.workers).toEqual({ workers: [{ state: 'ready', busy: false, models: ['sotto/fake'] }], restarts: 1 });
    expect(JSON.stringify(body)).not.toContain('4242');
  });

  it('are in /admin/stats, behind the admin key', async () => {
    const { app } = securedApp(keyedEnv, withPids());
    expect((await app.request('/admin/stats', { headers: bearer(keys.dave) })).status).toBe(401);
    const res = await app.request('/admin/stats', { headers: bearer(keys.admin) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { workers: { workers: { pid: number }[] } }).workers.workers[0]!.pid).toBe(4242);
  });
});
