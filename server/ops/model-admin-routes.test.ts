import { describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { bearer, keyedEnv, keys, limits, postJson } from '../../testing/security-fixtures.ts';
import { bucketOf } from '../translation/model-registry.ts';
import { fakeRollout, vA, vB } from '../../testing/rollout-fixture.ts';
import type { RolloutSettings } from '../translation/rollout-settings.ts';

async function modelApp(overrides: Partial<RolloutSettings> = {}) {
  const { rollout, translate } = await fakeRollout(overrides);
  const app = createApp(loadConfig(keyedEnv), { service: rollout, limits, rollout });
  const admin = (method: string, path: string, body?: unknown) =>
    app.request(path, body === undefined ? { method, headers: bearer(keys.admin) } : postJson(body, bearer(keys.admin)));
  return { app, admin, translate };
}

const served = async (res: Response, status = 200) => {
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as Record<string, unknown>;
};

describe('the model admin routes', () => {
  it('refuse every request without the admin key, and with an API key', async () => {
    const { app } = await modelApp();
    const routes: [string, string][] = [
      ['GET', '/admin/models'],
      ['POST', '/admin/models/translation-default/deploy'],
      ['POST', '/admin/models/translation-default/promote'],
      ['POST', '/admin/models/translation-default/rollback'],
      ['POST', '/admin/models/translation-default/canary'],
      ['POST', '/admin/test/faults'],
    ];
    for (const [method, path] of routes) {
      for (const headers of [{}, bearer(keys.dave)]) {
        const res = await app.request(path, { method, headers });
        expect(res.status).toBe(401);
        expect(res.headers.get('Content-Type')).toBe('application/problem+json');
      }
    }
  });

  it('deploy a canary, change its share, promote it and roll back, answering with the version now serving', async () => {
    const { admin, translate } = await modelApp();
    const listed = await served(await admin('GET', '/admin/models'));
    expect(listed.models).toMatchObject([{ name: 'translation-default', serving: vA, stable: { version: vA, status: 'ready' } }]);

    const canary = await served(await admin('POST', '/admin/models/translation-default/deploy', { modelId: 'sotto/b', canaryPercent: 10 }));
    expect(canary).toMatchObject({ serving: vA, candidate: { version: vB, status: 'ready', phase: 'warmed', canaryPercent: 10 } });
    expect(await served(await admin('POST', '/admin/models/translation-default/canary', { percent: 40 }))).toMatchObject({
      candidate: { canaryPercent: 40 },
    });
    expect(await served(await admin('POST', '/admin/models/translation-default/promote'))).toMatchObject({ serving: vB, previous: { version: vA } });
    expect((await translate('key:x')).model.id).toBe('sotto/b');
    const back = await served(await admin('POST', '/admin/models/translation-default/rollback'));
    expect(back).toMatchObject({ serving: vA, rollbacks: [{ from: vB, to: vA, reason: 'manual' }] });
    expect(back.previous).toBeUndefined();
  });

  it('swap at once when the deploy names no share, and take an explicit version', async () => {
    const { admin } = await modelApp();
    expect(await served(await admin('POST', '/admin/models/translation-default/deploy', { version: vB }))).toMatchObject({ serving: vB });
  });

  it('answer problems: unknown names 404, invalid bodies 422, transitions that do not apply 409', async () => {
    const { admin } = await modelApp();
    const problem = async (res: Response, status: number) => {
      expect(res.headers.get('Content-Type')).toBe('application/problem+json');
      return served(res, status);
    };
    await problem(await admin('POST', '/admin/models/nope/promote'), 404);
    await problem(await admin('POST', '/admin/models/translation-default/deploy', { modelId: 'sotto/nope' }), 404);
    await problem(await admin('POST', '/admin/models/translation-default/deploy', { version: 'sotto/b@0123' }), 404);
    await problem(await admin('POST', '/admin/models/translation-default/deploy', { modelId: 'sotto/b', version: vB }), 422);
    await problem(await admin('POST', '/admin/models/translation-default/deploy', { modelId: 'sotto/b', canaryPercent: 101 }), 422);
    await problem(await admin('POST', '/admin/models/translation-default/canary', { percent: 5 }), 409);
    await problem(await admin('POST', '/admin/models/translation-default/promote'), 409);
    expect(await problem(await admin('POST', '/admin/models/translation-default/rollback'), 409)).toMatchObject({
      detail: expect.stringContaining('neither a candidate nor a previous version'),
    });
    await problem(await admin('POST', '/admin/test/faults', { version: vB, errorRate: 1 }), 404);
  });

  it('route /v1/translate callers by their API key, and report the version that served them', async () => {
    const { app, admin } = await modelApp();
    const bucket = bucketOf('translation-default', 'key:dave');
    const modelOf = async () => {
      const res = await app.request('/v1/translate', postJson({ segments: ['Hi'], source: 'en', target: 'de' }, bearer(keys.dave)));
      return ((await res.json()) as { model: unknown }).model;
    };
    await served(await admin('POST', '/admin/models/translation-default/deploy', { modelId: 'sotto/b', canaryPercent: bucket + 0.001 }));
    expect(await modelOf()).toEqual({ id: 'sotto/b', version: 'v-sotto/b' });
    await served(await admin('POST', '/admin/models/translation-default/canary', { percent: bucket }));
    expect(await modelOf()).toEqual({ id: 'sotto/a', version: 'v-sotto/a' });
  });

  it('answer 503 when translation is not running', async () => {
    const app = createApp(loadConfig(keyedEnv));
    expect((await app.request('/admin/models', { headers: bearer(keys.admin) })).status).toBe(503);
  });
});
