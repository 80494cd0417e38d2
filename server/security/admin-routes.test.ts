import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashKey } from './key-hash.ts';
import { bearer, keyedEnv, keys, postJson, securedApp, sha256Hash, translateBody } from '../../testing/security-fixtures.ts';

const adminRoutes: [string, string][] = [
  ['GET', '/admin/keys'],
  ['POST', '/admin/keys/dave/revoke'],
  ['GET', '/admin/usage'],
  ['GET', '/admin'],
  ['GET', '/admin/nope'],
];

async function expectProblem(res: Response, status: number): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status);
  expect(res.headers.get('Content-Type')).toBe('application/problem+json');
  return (await res.json()) as Record<string, unknown>;
}

describe('the admin guard', () => {
  it.each(adminRoutes)('refuses %s %s without the admin key, with a wrong one and with an API key', async (method, url) => {
    const { app } = securedApp();
    const attempts: Record<string, string>[] = [
      {},
      bearer('sotto-admin.wrong'),
      bearer(keys.dave),
      { 'X-API-Key': keys.dave },
      { Authorization: `Basic ${btoa(`admin:${keys.admin}`)}` },
    ];
    for (const headers of attempts) {
      const res = await app.request(url, { method, headers });
      await expectProblem(res, 401);
      expect(res.headers.get('WWW-Authenticate')).toMatch(/^Bearer realm="sotto-admin"/);
    }
    expect((await app.request('/v1/translate', postJson(translateBody, bearer(keys.dave)))).status).toBe(200);
  });

  it.each(adminRoutes)('answers %s %s with 404, even with a key, when no admin key is configured', async (method, url) => {
    const { app } = securedApp({ SOTTO_API_KEYS: keyedEnv.SOTTO_API_KEYS });
    for (const headers of [{}, bearer(keys.admin), bearer(keys.dave)]) {
      const body = await expectProblem(await app.request(url, { method, headers }), 404);
      expect(body.detail).toBe('Nothing is served at this path.');
    }
  });

  it('never takes the admin key as an API key', async () => {
    const { app } = securedApp();
    await expectProblem(await app.request('/v1/models', { headers: bearer(keys.admin) }), 401);
  });

  it('accepts a scrypt admin hash', async () => {
    const { app } = securedApp({ SOTTO_ADMIN_KEY_HASH: await hashKey(keys.admin, { N: 1024, r: 8, p: 1 }) });
    expect((await app.request('/admin/keys', { headers: bearer(keys.admin) })).status).toBe(200);
    expect((await app.request('/admin/keys', { headers: bearer(keys.admin) })).status).toBe(200);
    await expectProblem(await app.request('/admin/keys', { headers: bearer(keys.dave) }), 401);
  });
});

describe('the admin routes', () => {
  const admin = bearer(keys.admin);

  it('lists keys with limits and usage, never hashes', async () => {
    const { app } = securedApp();
    await app.request('/v1/translate', postJson({ ...translateBody, segments: ['a', 'b'] }, bearer(keys.bob)));
    const res = await app.request('/admin/keys', { headers: admin });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toMatch(/sha256|scrypt|hash/);
    const { keys: listed } = JSON.parse(text) as { keys: Record<string, unknown>[] };
    expect(listed.map((k) => k.id)).toEqual(['alice', 'bob', 'carol', 'dave']);
    expect(listed[1]).toMatchObject({
      source: 'env',
      rateLimitPerMinute: null,
      charsPerMinute: null,
      quotaSegmentsPerDay: 5,
      revoked: false,
      usage: { today: { requests: 1, segments: 2 }, sinceStart: { requests: 1, segments: 2 } },
    });
    expect(listed[2]).toMatchObject({ revoked: true, usage: null });
  });

  it('reports usage by key and for anonymous requests', async () => {
    const { app } = securedApp({ ...keyedEnv, SOTTO_AUTH: 'optional' });
    await app.request('/v1/translate', postJson(translateBody, bearer(keys.dave)));
    await app.request('/v1/translate', postJson({ ...translateBody, segments: ['a', 'b', 'c'] }));
    const body = (await (await app.request('/admin/usage', { headers: admin })).json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      day: new Date().toISOString().slice(0, 10),
      keys: [{ id: 'dave', today: { requests: 1, segments: 1 } }],
      anonymous: { today: { requests: 1, segments: 3 } },
    });
  });

  it('revokes a key at once; an environment key only until restart', async () => {
    const { app } = securedApp();
    const res = await app.request('/admin/keys/dave/revoke', { method: 'POST', headers: admin });
    expect(await res.json()).toEqual({ id: 'dave', revoked: true, persisted: false, note: expect.stringMatching(/restart/) });
    const refused = await app.request('/v1/translate', postJson(translateBody, bearer(keys.dave)));
    expect((await expectProblem(refused, 401)).detail).toMatch(/revoked/);
  });

  it('answers an unknown key id with 404, and an unknown admin path with 404 problem json', async () => {
    const { app } = securedApp();
    await expectProblem(await app.request('/admin/keys/nobody/revoke', { method: 'POST', headers: admin }), 404);
    await expectProblem(await app.request('/admin/keys/..%2f..%2fetc/revoke', { method: 'POST', headers: admin }), 404);
    await expectProblem(await app.request('/admin/nope', { headers: { ...admin, Accept: 'text/html' } }), 404);
  });

  describe('with a keys file', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'sotto-admin-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('writes the revocation to the file, so it survives a restart', async () => {
      const file = path.join(dir, 'api-keys');
      await writeFile(file, `${JSON.stringify({ id: 'erin', hash: sha256Hash('sotto_erin.k') })}\n`);
      const env = { SOTTO_API_KEYS_FILE: file, SOTTO_ADMIN_KEY_HASH: keyedEnv.SOTTO_ADMIN_KEY_HASH };
      const { app } = securedApp(env);
      expect((await app.request('/v1/models', { headers: bearer('sotto_erin.k') })).status).toBe(200);
      const res = await app.request('/admin/keys/erin/revoke', { method: 'POST', headers: admin });
      expect(await res.json()).toEqual({ id: 'erin', revoked: true, persisted: true });
      expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ id: 'erin', revoked: true });
      const restarted = securedApp(env).app;
      await expectProblem(await restarted.request('/v1/models', { headers: bearer('sotto_erin.k') }), 401);
    });
  });
});
