import { describe, expect, it } from 'vitest';
import { cacheKey, normalizeSegment, TranslationCache } from './cache.ts';
import { deadlineExceeded } from './errors.ts';

interface Result {
  text: string;
}

function deferred() {
  let resolve!: (result: Result) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<Result>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const open = () => new AbortController().signal;
const scope = { modelId: 'm/x', version: 'v1', precision: 'q8', source: 'en', target: 'de', beams: 1 };

describe('normalizeSegment', () => {
  it('trims, collapses whitespace and composes to NFC', () => {
    expect(normalizeSegment('  Hello \t\n  world  ')).toBe('Hello world');
    expect(normalizeSegment('Cafe\u0301')).toBe('Caf\u00e9');
    expect(normalizeSegment('a\u00a0\u2003b')).toBe('a b');
    expect(normalizeSegment('   ')).toBe('');
  });
});

describe('cacheKey', () => {
  it('separates model versions, precisions and directions', () => {
    const base = cacheKey(scope, 'hi');
    expect(cacheKey({ ...scope, version: 'v2' }, 'hi')).not.toBe(base);
    expect(cacheKey({ ...scope, precision: 'fp16' }, 'hi')).not.toBe(base);
    expect(cacheKey({ ...scope, source: 'de', target: 'en' }, 'hi')).not.toBe(base);
    expect(cacheKey({ ...scope, beams: 4 }, 'hi')).not.toBe(base);
    expect(cacheKey(scope, 'hi')).toBe(base);
  });
});

describe('TranslationCache', () => {
  it('stores computed translations and counts hits, misses and the hit rate', async () => {
    const cache = new TranslationCache<Result>(10);
    expect(cache.get('a')).toBeUndefined();
    await cache.share('a', open(), async () => ({ text: 'A' }));
    expect(cache.get('a')).toBe('A');
    expect(cache.get('a')).toBe('A');
    expect(cache.stats()).toEqual({ entries: 1, capacity: 10, hits: 2, misses: 1, hitRate: 2 / 3, deduplicated: 0 });
  });

  it('evicts the least recently used entry', async () => {
    const cache = new TranslationCache<Result>(2);
    for (const key of ['a', 'b']) await cache.share(key, open(), async () => ({ text: key.toUpperCase() }));
    cache.get('a');
    await cache.share('c', open(), async () => ({ text: 'C' }));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe('A');
    expect(cache.get('c')).toBe('C');
    expect(cache.stats().entries).toBe(2);
  });

  it('stores nothing with capacity 0', async () => {
    const cache = new TranslationCache<Result>(0);
    await cache.share('a', open(), async () => ({ text: 'A' }));
    expect(cache.get('a')).toBeUndefined();
  });

  it('computes concurrent identical keys once', async () => {
    const cache = new TranslationCache<Result>(10);
    const work = deferred();
    let runs = 0;
    const compute = () => {
      runs += 1;
      return work.promise;
    };
    const first = cache.share('k', open(), compute);
    const second = cache.share('k', open(), compute);
    expect(cache.isInFlight('k')).toBe(true);
    work.resolve({ text: 'K' });
    expect(await Promise.all([first, second])).toEqual([{ text: 'K' }, { text: 'K' }]);
    expect(runs).toBe(1);
    expect(cache.isInFlight('k')).toBe(false);
    expect(cache.stats().deduplicated).toBe(1);
  });

  it('keeps computing for the others when one caller leaves', async () => {
    const cache = new TranslationCache<Result>(10);
    const work = deferred();
    let computeSignal: AbortSignal | undefined;
    const leaving = new AbortController();
    const left = cache.share('k', leaving.signal, (signal) => {
      computeSignal = signal;
      return work.promise;
    });
    const staying = cache.share('k', open(), () => work.promise);
    leaving.abort();
    await expect(left).rejects.toMatchObject({ code: 'cancelled' });
    expect(computeSignal?.aborted).toBe(false);
    work.resolve({ text: 'K' });
    expect(await staying).toEqual({ text: 'K' });
  });

  it('aborts the computation when the last caller leaves, and starts afresh for the next', async () => {
    const cache = new TranslationCache<Result>(10);
    const first = deferred();
    let computeSignal: AbortSignal | undefined;
    const caller = new AbortController();
    const result = cache.share('k', caller.signal, (signal) => {
      computeSignal = signal;
      signal.addEventListener('abort', () => first.reject(signal.reason));
      return first.promise;
    });
    caller.abort(deadlineExceeded(100));
    await expect(result).rejects.toMatchObject({ code: 'deadline-exceeded' });
    expect(computeSignal?.aborted).toBe(true);
    expect(cache.isInFlight('k')).toBe(false);
    expect(await cache.share('k', open(), async () => ({ text: 'again' }))).toEqual({ text: 'again' });
  });

  it('does not cache failures', async () => {
    const cache = new TranslationCache<Result>(10);
    await expect(cache.share('k', open(), () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(cache.isInFlight('k')).toBe(false);
    expect(cache.get('k')).toBeUndefined();
  });

  it('refuses an already aborted caller without computing', async () => {
    const cache = new TranslationCache<Result>(10);
    let runs = 0;
    await expect(
      cache.share('k', AbortSignal.abort(), async () => {
        runs += 1;
        return { text: 'x' };
      }),
    ).rejects.toMatchObject({ code: 'cancelled' });
    expect(runs).toBe(0);
  });
});
