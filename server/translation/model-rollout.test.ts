import { describe, expect, it, vi } from 'vitest';
import type { TranslationEngine } from './engine.ts';
import { parseRolloutSettings } from './rollout-settings.ts';
import { defaultRolloutSettings, fakeRollout, vA, vB } from '../../testing/rollout-fixture.ts';

const status = (engine: TranslationEngine, id: string) => engine.models().find((m) => m.id === id)!.status;

describe('the model rollout', () => {
  it('serves requests without a model, and those naming the served name, from the stable version', async () => {
    const { rollout, translate } = await fakeRollout();
    expect((await translate()).model).toEqual({ id: 'sotto/a', version: 'v-sotto/a' });
    expect((await translate(undefined, 'translation-default')).model.id).toBe('sotto/a');
    // A model id pins that model, outside the rollout.
    expect((await translate(undefined, 'sotto/b')).model.id).toBe('sotto/b');
    expect(rollout.view()[0]).toMatchObject({ name: 'translation-default', serving: vA, stable: { version: vA, status: 'ready' } });
    expect(rollout.requiredModels()).toEqual(['sotto/a']);
  });

  it('swaps on deploy: loaded and warmed first; requests already on the old version finish on it, then it is unloaded', async () => {
    const { rollout, backend, engine, translate } = await fakeRollout();
    backend.hold = true;
    const onOld = translate('key:x');
    await vi.waitFor(() => expect(backend.jobs).toHaveLength(1));
    await rollout.deploy('translation-default', { modelId: 'sotto/b' });
    expect(backend.loads.map((load) => load.modelId)).toEqual(['sotto/a', 'sotto/b']);
    const onNew = translate('key:x');
    await vi.waitFor(() => expect(backend.jobs).toHaveLength(2));
    expect(status(engine, 'sotto/a')).toBe('ready');
    backend.hold = false;
    backend.release();
    expect((await onOld).model.id).toBe('sotto/a');
    expect((await onNew).model.id).toBe('sotto/b');
    await vi.waitFor(() => expect(backend.unloads).toEqual(['sotto/a']));
    expect(rollout.view()[0]).toMatchObject({ serving: vB, previous: { version: vA, status: 'unloaded' } });
    expect(rollout.requiredModels()).toEqual(['sotto/b']);

    await rollout.rollback('translation-default');
    expect(backend.loads.map((load) => load.modelId)).toEqual(['sotto/a', 'sotto/b', 'sotto/a']);
    expect((await translate('key:x')).model.id).toBe('sotto/a');
    await vi.waitFor(() => expect(backend.unloads).toEqual(['sotto/a', 'sotto/b']));
  });

  it('keeps the replaced version loaded for the grace period, so that a rollback is instant', async () => {
    const { rollout, backend, engine, rollbacks } = await fakeRollout({ rollbackGraceMs: 60_000 });
    await rollout.deploy('translation-default', { version: vB });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(status(engine, 'sotto/a')).toBe('ready');
    await rollout.rollback('translation-default');
    expect(backend.loads).toHaveLength(2);
    expect(rollbacks).toEqual([['translation-default', 'manual']]);
    expect(rollout.view()[0]!.rollbacks).toMatchObject([{ from: vB, to: vA, reason: 'manual' }]);
  });

  it('sends a sticky share of clients to a canary, and promotes it on request', async () => {
    const { rollout, translate } = await fakeRollout();
    await rollout.deploy('translation-default', { modelId: 'sotto/b' }, 30);
    const clients = Array.from({ length: 100 }, (_, i) => `key:c${i}`);
    const first = await Promise.all(clients.map(async (client) => (await translate(client)).model.id));
    const again = await Promise.all(clients.map(async (client) => (await translate(client)).model.id));
    expect(again).toEqual(first);
    const share = first.filter((id) => id === 'sotto/b').length;
    expect(share).toBeGreaterThan(15);
    expect(share).toBeLessThan(45);
    expect(rollout.view()[0]).toMatchObject({ serving: vA, candidate: { version: vB, phase: 'warmed', canaryPercent: 30 } });
    rollout.promote('translation-default');
    expect((await translate('key:c0')).model.id).toBe('sotto/b');
  });

  it('rolls a failing canary back automatically, once it has enough requests', async () => {
    const { rollout, faults, translate, rollbacks, backend } = await fakeRollout();
    await rollout.deploy('translation-default', { modelId: 'sotto/b' }, 50);
    faults.inject(vB, 1);
    const outcomes = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => translate(`key:c${i}`)));
    const failed = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(failed.length).toBeGreaterThanOrEqual(defaultRolloutSettings().canary.minRequests);
    expect(rollbacks).toEqual([['translation-default', 'error-rate']]);
    expect(rollout.view()[0]!.candidate).toBeUndefined();
    expect(rollout.view()[0]!.rollbacks[0]).toMatchObject({ from: vB, to: vA, reason: 'error-rate' });
    const after = await Promise.all(Array.from({ length: 20 }, (_, i) => translate(`key:c${i}`)));
    expect(after.every((result) => result.model.id === 'sotto/a')).toBe(true);
    await vi.waitFor(() => expect(backend.unloads).toEqual(['sotto/b']));
  });

  it('leaves directions the candidate lacks to the stable, and refuses unknown versions and conflicting deploys', async () => {
    const { rollout, translate } = await fakeRollout({ served: { multi: 'sotto/m' } });
    await rollout.deploy('multi', { modelId: 'sotto/a' }, 100 - 1e-9);
    const to = (target: string) => rollout.translate({ segments: ['x'], source: 'en', target, model: 'multi', client: 'key:x' });
    expect((await to('de')).model.id).toBe('sotto/a');
    expect((await to('fr')).model.id).toBe('sotto/m');
    rollout.registry.rollback('multi', 'manual');
    await expect(rollout.deploy('multi', { version: 'sotto/b@0000' })).rejects.toThrow(/holds sotto\/b@v-sotto\/b/);
    await expect(rollout.deploy('multi', { modelId: 'sotto/nope' })).rejects.toMatchObject({ kind: 'unknown' });
    await rollout.deploy('multi', { modelId: 'sotto/b' }, 0);
    await expect(rollout.deploy('multi', { modelId: 'sotto/m' })).rejects.toMatchObject({ kind: 'conflict' });
    // Faults are injected only by a decorator that tests build (testing/fault-injection.ts), never by the rollout.
    expect('injectFault' in rollout).toBe(false);
  });

  it('drops a candidate that fails to load', async () => {
    const { rollout, backend } = await fakeRollout();
    backend.failLoad = new Error('broken weights');
    await expect(rollout.deploy('translation-default', { modelId: 'sotto/b' })).rejects.toThrow(/broken weights/);
    expect(rollout.view()[0]!.candidate).toBeUndefined();
  });
});

describe('rollout settings', () => {
  it('reads served models and thresholds, and lists every bad variable', () => {
    const parsed = parseRolloutSettings({ SOTTO_SERVED_MODELS: 'en-de=sotto/a, all=sotto/m', SOTTO_CANARY_MAX_P95_MS: '800' });
    expect(parsed).toMatchObject({ ok: true, settings: { served: { 'en-de': 'sotto/a', all: 'sotto/m' }, canary: { maxP95Ms: 800 } } });
    const bad = parseRolloutSettings({ SOTTO_SERVED_MODELS: 'nope', SOTTO_CANARY_MAX_ERROR_RATE: '2', SOTTO_ROLLBACK_GRACE_MS: 'soon' });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problems.map((line) => line.trim().split('=')[0])).toEqual([
      'SOTTO_SERVED_MODELS',
      'SOTTO_CANARY_MAX_ERROR_RATE',
      'SOTTO_ROLLBACK_GRACE_MS',
    ]);
  });
});
