import { describe, expect, it, vi } from 'vitest';
import { TranslationEngine, type EngineObserver, type EngineSettings } from './engine.ts';
import type { TranslateRequest } from './service.ts';
import type { Catalog } from './model-catalog.ts';
import { catalogModel, FakeBackend } from '../../testing/translation-doubles.ts';

const settings: EngineSettings = {
  models: [],
  batching: { maxBatchSize: 8, preferredBatchSizes: [], maxTokens: 4096, maxQueueDelayMs: 1 },
  modelBatching: {},
  queueSize: 16,
  deadlineMs: 5000,
  cacheSize: 100,
  memoryBudgetBytes: 1000,
};

const nllb = catalogModel('sotto/nllb', {
  languages: ['en', 'de', 'fr'],
  directions: 'any-to-any',
  languageCodes: { en: 'eng_Latn', de: 'deu_Latn', fr: 'fra_Latn' },
});
const marian = catalogModel('sotto/marian');

function engine(
  options: { catalog?: Partial<Catalog>; settings?: Partial<EngineSettings>; backend?: FakeBackend; observer?: EngineObserver } = {},
) {
  const backend = options.backend ?? new FakeBackend();
  const log = vi.fn();
  const e = new TranslationEngine({
    catalog: { models: [marian, nllb], defaultModel: 'sotto/marian', ...options.catalog },
    backend,
    settings: { ...settings, ...options.settings },
    observer: options.observer,
    log,
  });
  e.start();
  return { engine: e, backend, log };
}

const request = (segments: string[], extra: Partial<TranslateRequest> = {}): TranslateRequest => ({ segments, source: 'en', target: 'de', ...extra });

describe('TranslationEngine', () => {
  it('translates segments in order with the default model for the direction', async () => {
    const { engine: e, backend } = engine();
    const result = await e.translate(request(['one', 'two', 'three']));
    expect(result).toEqual({
      translations: ['tr:one', 'tr:two', 'tr:three'],
      model: { id: 'sotto/marian', version: 'v-sotto/marian' },
      timings: { queuedMs: expect.any(Number), computeMs: expect.any(Number), totalMs: expect.any(Number) },
      cached: 0,
      computeSeconds: expect.any(Number),
    });
    // One batch, shortest segments first.
    expect(backend.jobs).toEqual([{ modelId: 'sotto/marian', texts: ['one', 'two', 'three'] }]);
  });

  it('picks a model that translates the direction and passes its language codes', async () => {
    const { engine: e, backend } = engine();
    const result = await e.translate(request(['hi'], { target: 'fr' }));
    expect(result.model.id).toBe('sotto/nllb');
    expect(result.translations).toEqual(['fra_Latn:hi']);
    expect(backend.jobs[0]).toMatchObject({ srcLang: 'eng_Latn', tgtLang: 'fra_Latn' });
  });

  it('uses the named model', async () => {
    const { engine: e } = engine();
    expect((await e.translate(request(['hi'], { model: 'sotto/nllb' }))).translations).toEqual(['deu_Latn:hi']);
  });

  it('serves repeated segments from the cache, normalised, and counts them', async () => {
    const { engine: e, backend } = engine();
    await e.translate(request(['Hello world', 'Café']));
    const again = await e.translate(request(['  Hello \n world ', 'Cafe\u0301', 'new']));
    expect(again.translations).toEqual(['tr:Hello world', 'tr:Café', 'tr:new']);
    expect(again.cached).toBe(2);
    expect(backend.jobs.map((job) => job.texts)).toEqual([['Café', 'Hello world'], ['new']]);
    expect(e.stats().cache).toMatchObject({ hits: 2, misses: 3, entries: 3 });
  });

  it('answers empty segments without computing them', async () => {
    const { engine: e, backend } = engine();
    expect((await e.translate(request(['', '  ', 'x']))).translations).toEqual(['', '', 'tr:x']);
    expect(backend.jobs.map((job) => job.texts)).toEqual([['x']]);
  });

  it('batches concurrent requests together and gives each its own translations', async () => {
    const { engine: e, backend } = engine();
    const [a, b] = await Promise.all([e.translate(request(['a1', 'a2'])), e.translate(request(['b1']))]);
    expect(a.translations).toEqual(['tr:a1', 'tr:a2']);
    expect(b.translations).toEqual(['tr:b1']);
    expect(backend.jobs).toHaveLength(1);
  });

  it('computes a segment two requests share once', async () => {
    const { engine: e, backend } = engine();
    backend.hold = true;
    const first = e.translate(request(['same']));
    await vi.waitFor(() => expect(backend.jobs).toHaveLength(1));
    const second = e.translate(request(['same', 'same']));
    backend.hold = false;
    backend.release();
    expect((await first).translations).toEqual(['tr:same']);
    expect((await second).translations).toEqual(['tr:same', 'tr:same']);
    expect(backend.jobs).toHaveLength(1);
    expect(e.stats().cache.deduplicated).toBe(2);
  });

  it.each([
    [{ model: 'sotto/nope' }, 'unknown-model'],
    [{ source: 'xx' }, 'unknown-language'],
    [{ target: 'zz' }, 'unknown-language'],
    [{ source: 'de', target: 'de' }, 'unsupported-direction'],
    [{ model: 'sotto/marian', source: 'de', target: 'en' }, 'unsupported-direction'],
  ])('refuses %o with %s', async (extra, code) => {
    const { engine: e } = engine();
    await expect(e.translate(request(['x'], extra))).rejects.toMatchObject({ code });
  });

  it('refuses a direction no model translates', async () => {
    const { engine: e } = engine({ catalog: { models: [marian] } });
    await expect(e.translate(request(['x'], { source: 'de', target: 'en' }))).rejects.toMatchObject({ code: 'unsupported-direction' });
  });

  it('answers model-unavailable for a model that is not on disk', async () => {
    const missing = catalogModel('sotto/missing', { onDisk: {} });
    const { engine: e } = engine({ catalog: { models: [missing], defaultModel: 'sotto/missing' } });
    await expect(e.translate(request(['x']))).rejects.toMatchObject({ code: 'model-unavailable', message: expect.stringContaining('not on disk') });
    expect(e.models()[0]).toMatchObject({ id: 'sotto/missing', status: 'missing' });
  });

  it('reports a model that failed to load, and does not retry it at once', async () => {
    const backend = new FakeBackend();
    backend.failLoad = new Error('bad weights');
    const { engine: e } = engine({ backend, catalog: { models: [marian] } });
    await expect(e.translate(request(['x']))).rejects.toMatchObject({ code: 'model-unavailable' });
    await expect(e.translate(request(['x']))).rejects.toMatchObject({ code: 'model-unavailable', retryAfterSeconds: expect.any(Number) });
    expect(backend.loads).toHaveLength(1);
    expect(e.models().find((m) => m.id === 'sotto/marian')).toMatchObject({ status: 'failed', error: 'bad weights' });
  });

  it('lists models with status, provider and precision, and languages with their targets', async () => {
    const { engine: e } = engine();
    await e.translate(request(['x']));
    expect(e.models()).toEqual([
      expect.objectContaining({ id: 'sotto/marian', status: 'ready', provider: 'cpu', precision: 'q8', memoryBytes: 100 }),
      expect.objectContaining({ id: 'sotto/nllb', status: 'unloaded', languages: ['en', 'de', 'fr'], directions: 'any-to-any' }),
    ]);
    expect(e.languages()).toEqual([
      { code: 'de', targets: ['en', 'fr'] },
      { code: 'en', targets: ['de', 'fr'] },
      { code: 'fr', targets: ['de', 'en'] },
    ]);
  });

  it('unloads the least recently used idle model to stay within the memory budget', async () => {
    const { engine: e, backend } = engine({ settings: { memoryBudgetBytes: 150 } });
    await e.translate(request(['x']));
    await e.translate(request(['x'], { target: 'fr' }));
    expect(backend.unloads).toEqual(['sotto/marian']);
    expect(e.models().map((m) => m.status)).toEqual(['unloaded', 'ready']);
  });

  it('refuses to load a model when the budget is held by a model in use', async () => {
    const { engine: e, backend } = engine({ settings: { memoryBudgetBytes: 150 } });
    backend.hold = true;
    const busy = e.translate(request(['x']));
    await vi.waitFor(() => expect(backend.jobs).toHaveLength(1));
    await expect(e.translate(request(['y'], { target: 'fr' }))).rejects.toMatchObject({ code: 'model-unavailable' });
    backend.release();
    await busy;
  });

  it('refuses a request the queue has no room for, with a Retry-After', async () => {
    const { engine: e, backend } = engine({ settings: { queueSize: 4 } });
    backend.hold = true;
    const running = e.translate(request(['a']));
    await vi.waitFor(() => expect(backend.jobs).toHaveLength(1));
    const waiting = e.translate(request(['b', 'c', 'd']));
    await expect(e.translate(request(['e', 'f']))).rejects.toMatchObject({ code: 'queue-full', retryAfterSeconds: 1 });
    backend.hold = false;
    backend.release();
    await Promise.all([running, waiting]);
  });

  it('gives up at the deadline and takes the request out of the queue', async () => {
    const { engine: e, backend } = engine();
    backend.hold = true;
    const running = e.translate(request(['a']));
    await vi.waitFor(() => expect(backend.jobs).toHaveLength(1));
    await expect(e.translate(request(['b', 'c'], { deadlineMs: 20 }))).rejects.toMatchObject({ code: 'deadline-exceeded' });
    expect(e.stats().queue.queued).toBe(0);
    backend.release();
    await running;
    expect(backend.jobs.flatMap((job) => job.texts)).toEqual(['a']);
  });

  it('never lets a client raise the configured deadline', async () => {
    const { engine: e, backend } = engine({ settings: { deadlineMs: 20 } });
    backend.hold = true;
    await expect(e.translate(request(['a'], { deadlineMs: 60_000 }))).rejects.toMatchObject({ code: 'deadline-exceeded' });
    backend.release();
  });

  it('drops the queued work of a client that went away', async () => {
    const { engine: e, backend } = engine();
    backend.hold = true;
    const running = e.translate(request(['a']));
    await vi.waitFor(() => expect(backend.jobs).toHaveLength(1));
    const client = new AbortController();
    const gone = e.translate(request(['b'], { signal: client.signal }));
    await vi.waitFor(() => expect(e.stats().queue.queued).toBe(1));
    client.abort();
    await expect(gone).rejects.toMatchObject({ code: 'cancelled' });
    expect(e.stats().queue.queued).toBe(0);
    backend.release();
    await running;
    await expect(e.translate(request(['c'], { signal: AbortSignal.abort() }))).rejects.toMatchObject({ code: 'cancelled' });
  });

  describe('beam width', () => {
    const continuous = { decoding: { mode: 'continuous', maxSequences: 8, tokenBudget: 10_000, beams: 2 } } as const;

    it("decodes at the server's width, a request's own, or one wide enough for the alternatives asked for, up to 4", async () => {
      const { engine: e, backend } = engine({ settings: continuous });
      await e.translate(request(['a']));
      await e.translate(request(['b'], { beams: 1 }));
      const three = await e.translate(request(['c'], { beams: 1, alternatives: 2 }));
      const capped = await e.translate(request(['d'], { alternatives: 5 }));
      expect(backend.jobs.map((job) => job.beams)).toEqual([2, undefined, 3, 4]);
      expect(three.alternatives).toEqual([['tr:c#1', 'tr:c#2']]);
      expect(capped.alternatives).toEqual([['tr:d#1', 'tr:d#2', 'tr:d#3']]);
    });

    it('keeps widths apart in the cache and batches, and computes a request for alternatives', async () => {
      const { engine: e, backend } = engine({ settings: continuous });
      await Promise.all([e.translate(request(['x'], { beams: 1 })), e.translate(request(['x'], { beams: 3 }))]);
      expect(backend.jobs).toHaveLength(2);
      expect(await e.translate(request(['x'], { beams: 3 }))).toMatchObject({ cached: 1 });
      const withAlternatives = await e.translate(request(['x', ''], { beams: 3, alternatives: 1 }));
      expect(withAlternatives).toMatchObject({ cached: 0, translations: ['tr:x', ''], alternatives: [['tr:x#1'], []] });
      expect(backend.jobs).toHaveLength(3);
    });

    it('refuses a wider beam under the pipeline decoder, and gives no alternatives there', async () => {
      const { engine: e, backend } = engine();
      await expect(e.translate(request(['a'], { beams: 2 }))).rejects.toMatchObject({ code: 'unsupported-option', message: expect.stringMatching(/beams must be 1/) });
      const result = await e.translate(request(['a'], { beams: 1, alternatives: 2 }));
      expect(result.alternatives).toBeUndefined();
      expect(backend.jobs).toEqual([{ modelId: 'sotto/marian', texts: ['a'] }]);
    });
  });

  it('applies per-model batching settings', async () => {
    const { engine: e, backend } = engine({ settings: { modelBatching: { 'sotto/marian': { maxBatchSize: 2 } } } });
    await e.translate(request(['a', 'b', 'c', 'd', 'e']));
    expect(backend.jobs.map((job) => job.texts.length)).toEqual([2, 2, 1]);
  });
});

describe('TranslationEngine accounting and shutdown', () => {
  const observed = () => ({ batch: vi.fn<EngineObserver['batch']>(), translated: vi.fn<EngineObserver['translated']>() });

  it('splits the compute time of a batch among its segments; cached and shared segments cost nothing', async () => {
    const observer = observed();
    const { engine: e, backend } = engine({ observer });
    backend.hold = true;
    const one = e.translate(request(['a']));
    const three = e.translate(request(['b', 'c', 'd']));
    await vi.waitFor(() => expect(backend.jobs).toHaveLength(1));
    const joined = e.translate(request(['a']));
    await new Promise((resolve) => setTimeout(resolve, 20));
    backend.release();
    const [small, large, shared] = await Promise.all([one, three, joined]);
    const batchSeconds = observer.batch.mock.calls[0]![0].computeSeconds;
    expect(batchSeconds).toBeGreaterThan(0.01);
    expect(small.computeSeconds).toBeCloseTo(batchSeconds / 4, 9);
    expect(large.computeSeconds).toBeCloseTo((3 * batchSeconds) / 4, 9);
    expect(shared.computeSeconds).toBe(0);
    backend.hold = false;
    expect((await e.translate(request(['b', 'c']))).computeSeconds).toBe(0);
  });

  it('reports batches and answered requests to its observer', async () => {
    const observer = observed();
    const { engine: e } = engine({ observer });
    const result = await e.translate(request([' Hello  world ', '']));
    expect(observer.batch).toHaveBeenCalledExactlyOnceWith({
      model: { id: 'sotto/marian', version: 'v-sotto/marian' },
      texts: ['Hello world'],
      outputs: ['tr:Hello world'],
      computeSeconds: expect.any(Number),
    });
    expect(observer.translated).toHaveBeenCalledExactlyOnceWith({ source: 'en', target: 'de', segments: ['Hello world', ''], result });
  });

  it('fails what is still waiting with a 503 to retry elsewhere when stopped, and refuses new work', async () => {
    const { engine: e, backend } = engine();
    backend.hold = true;
    const running = e.translate(request(['a']));
    await vi.waitFor(() => expect(backend.jobs).toHaveLength(1));
    const queued = e.translate(request(['b']));
    await e.stop();
    const shuttingDown = { code: 'model-unavailable', retryAfterSeconds: 1, message: expect.stringContaining('shutting down') };
    await expect(running).rejects.toMatchObject(shuttingDown);
    await expect(queued).rejects.toMatchObject(shuttingDown);
    expect(e.stats().queue.queued).toBe(0);
    await expect(e.translate(request(['c']))).rejects.toMatchObject(shuttingDown);
  });
});
