import { describe, expect, it } from 'vitest';
import { createApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { withFaultControl } from './fault-injection.ts';
import { fakeRollout, vA } from './rollout-fixture.ts';
import { bearer, keyedEnv, keys, limits, postJson } from './security-fixtures.ts';

describe('fault injection (test servers only)', () => {
  it('fails a version’s requests while a fault is set on it, through POST /admin/test/faults', async () => {
    const { rollout, faults, translate } = await fakeRollout();
    const app = createApp(loadConfig(keyedEnv), { service: rollout, limits, rollout });
    const fetch = withFaultControl(app.fetch, () => faults);
    // The Node server's handler type answers `unknown`; these are Hono apps, which answer Responses.
    const call = async (request: Request) => (await fetch(request, undefined as never)) as Response;
    const inject = async (body: unknown, status = 200) => {
      const res = await call(new Request('http://sotto.test/admin/test/faults', postJson(body, bearer(keys.admin))));
      expect(res.status, await res.clone().text()).toBe(status);
      return res.json() as Promise<unknown>;
    };
    expect(await inject({ version: vA, errorRate: 1 })).toEqual({ version: vA, errorRate: 1 });
    await expect(translate('key:x')).rejects.toMatchObject({ code: 'worker-failed' });
    await inject({ version: vA, errorRate: 0 });
    expect((await translate('key:x')).model.id).toBe('sotto/a');
    await inject({ version: 'sotto/x@1', errorRate: 1 }, 404);
    await inject({ version: vA, errorRate: 2 }, 422);
    // Every other request goes to the app.
    expect((await call(new Request('http://sotto.test/healthz'))).status).toBe(200);
  });
});
