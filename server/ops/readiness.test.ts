import { describe, expect, it, vi } from 'vitest';
import type { ModelInfo } from '../translation/loaded-models.ts';
import type { EngineStats } from '../translation/service.ts';
import { FakeBackend, fakeTranslationService } from '../../testing/translation-doubles.ts';
import type { LoadSpec, Loaded } from '../translation/worker-protocol.ts';
import { Metrics } from './metrics.ts';
import { assessReadiness, Readiness, type ReadinessInput } from './readiness.ts';
import { fakeEngine, opsApp } from '../../testing/ops-app.ts';

const model = (id: string, status: ModelInfo['status'], extra: Partial<ModelInfo> = {}): ModelInfo => ({
  id,
  version: `v-${id}`,
  architecture: 'marian',
  languages: ['en', 'de'],
  directions: [{ source: 'en', target: 'de' }],
  status,
  ...(status === 'ready' && { provider: 'cpu', precision: 'q8' }),
  ...extra,
});

function stats(queued = 0, states: EngineStats['workers']['workers'][number]['state'][] = ['ready']): EngineStats {
  return {
    cache: { entries: 0, capacity: 10, hits: 0, misses: 0, hitRate: 0, deduplicated: 0 },
    queue: { queued, maxQueued: 10, batchesInFlight: 0, drainRatePerSecond: undefined },
    workers: { workers: states.map((state) => ({ state, busy: false, models: [] })), restarts: 0 },
  };
}

const input = (overrides: Partial<ReadinessInput> = {}): ReadinessInput => ({
  draining: false,
  requiredModels: ['a/one'],
  models: [model('a/one', 'ready'), model('a/two', 'unloaded')],
  stats: stats(),
  ...overrides,
});

describe('assessReadiness', () => {
  it('is ready when the required models are loaded, a worker is ready and the queue has room', () => {
    expect(assessReadiness(input({ stats: stats(8) }))).toEqual({
      ready: true,
      models: [{ id: 'a/one', version: 'v-a/one', provider: 'cpu', precision: 'q8' }],
    });
  });

  it.each<[string, Partial<ReadinessInput>, string]>([
    ['shutting down', { draining: true }, 'The server is shutting down.'],
    ['translation off', { stats: { unavailable: 'Translation is off: no manifest' } }, 'Translation is off: no manifest'],
    ['the queue 90% full', { stats: stats(9) }, 'The translation queue is 90% full (9 of 10 segments waiting).'],
    ['no ready worker', { stats: stats(0, ['respawning', 'starting']) }, 'No inference worker is ready (respawning, starting).'],
    ['no worker at all', { stats: stats(0, []) }, 'No inference worker is ready (none running).'],
    ['a model loading', { models: [model('a/one', 'loading')] }, 'Model a/one is loading (and warming up).'],
    ['a model not loaded', { models: [model('a/one', 'unloaded')] }, 'Model a/one is not loaded.'],
    ['a model not on disk', { models: [model('a/one', 'missing')] }, 'Model a/one is not on disk.'],
    ['a model that failed', { models: [model('a/one', 'failed', { error: 'bad onnx' })] }, 'Model a/one failed to load: bad onnx'],
    ['an unknown model', { requiredModels: ['a/three'] }, 'Model a/three is not a server translation model in the manifest.'],
  ])('is not ready with %s', (_name, overrides, reason) => {
    expect(assessReadiness(input(overrides))).toEqual({ ready: false, reasons: [reason] });
  });

  it('lists every reason at once', () => {
    const result = assessReadiness(input({ draining: true, stats: stats(10), models: [] }));
    expect(result).toMatchObject({
      ready: false,
      reasons: [expect.stringMatching(/shutting/), expect.stringMatching(/100% full/), expect.stringMatching(/a\/one/)],
    });
  });
});

describe('Readiness', () => {
  it('measures the cold start once, at the first ready check', () => {
    let now = 1500;
    let ready = false;
    const onFirstReady = vi.fn();
    const service = fakeTranslationService({ models: () => [model('a/one', ready ? 'ready' : 'loading')], stats: () => stats() });
    const readiness = new Readiness({ service, requiredModels: ['a/one'], isDraining: () => false, now: () => now, onFirstReady });
    expect(readiness.check()).toEqual({ ready: false, reasons: ['Model a/one is loading (and warming up).'] });
    now = 2750.4;
    ready = true;
    expect(readiness.check()).toMatchObject({ ready: true, coldStartSeconds: 2.75 });
    now = 9000;
    expect(readiness.check()).toMatchObject({ ready: true, coldStartSeconds: 2.75 });
    expect(onFirstReady).toHaveBeenCalledExactlyOnceWith(2.75, [expect.objectContaining({ id: 'a/one' })]);
  });
});

/** Loads wait until open() is called. */
class GatedLoads extends FakeBackend {
  open = () => {};
  readonly #gate = new Promise<void>((resolve) => (this.open = resolve));

  override async load(spec: LoadSpec): Promise<Loaded> {
    await this.#gate;
    return super.load(spec);
  }
}

describe('GET /readyz', () => {
  async function readyz(app: ReturnType<typeof opsApp>['app']) {
    const res = await app.request('/readyz');
    return { status: res.status, type: res.headers.get('Content-Type'), body: (await res.json()) as Record<string, unknown> };
  }

  it('follows the model from loading to ready, a full queue and back, and the drain', async () => {
    const metrics = new Metrics();
    const backend = new GatedLoads();
    const { engine } = fakeEngine(metrics, backend);
    const { app, ops, logs } = opsApp({ service: engine, requiredModels: [...engine.preloadedModels], metrics });

    const notLoaded = await readyz(app);
    expect(notLoaded).toMatchObject({
      status: 503,
      type: 'application/problem+json',
      body: { title: 'Not Ready', reasons: ['Model sotto/marian is not loaded.'] },
    });
    expect(notLoaded.body).not.toHaveProperty('coldStartSeconds');

    engine.start();
    expect((await readyz(app)).body.reasons).toEqual(['Model sotto/marian is loading (and warming up).']);

    backend.open();
    await vi.waitFor(() => expect(engine.models()[0]!.status).toBe('ready'));
    const models = [{ id: 'sotto/marian', version: 'v-sotto/marian', provider: 'cpu', precision: 'q8' }];
    const ready = { status: 'ready', models, coldStartSeconds: 4.321 };
    expect(await readyz(app)).toEqual({ status: 200, type: 'application/json', body: ready });
    expect(logs).toContainEqual(expect.objectContaining({ msg: 'ready', coldStartSeconds: 4.321, models: ['sotto/marian'] }));
    expect(await (await app.request('/metrics')).text()).toMatch(/^sotto_cold_start_seconds 4\.321$/m);

    backend.hold = true;
    const running = engine.translate({ segments: ['first'], source: 'en', target: 'de' });
    await vi.waitFor(() => expect(backend.jobs).toHaveLength(1));
    const queued = engine.translate({ segments: Array.from({ length: 9 }, (_, i) => `s${i}`), source: 'en', target: 'de' });
    await vi.waitFor(() => expect(engine.stats().queue.queued).toBe(9));
    expect(await readyz(app)).toMatchObject({
      status: 503,
      body: { reasons: ['The translation queue is 90% full (9 of 10 segments waiting).'], coldStartSeconds: 4.321 },
    });
    backend.hold = false;
    backend.release();
    await Promise.all([running, queued]);
    expect((await readyz(app)).status).toBe(200);

    ops.drain.begin();
    expect(await readyz(app)).toMatchObject({ status: 503, body: { reasons: ['The server is shutting down.'] } });
  });
});
