import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BatchPolicy } from './batcher.ts';
import { deadlineExceeded, TranslationError } from './errors.ts';
import { Scheduler, type SchedulerOptions } from './scheduler.ts';

interface Call {
  key: string;
  texts: string[];
  signal: AbortSignal;
  resolve(translations: { outputs: string[] }): void;
  reject(err: unknown): void;
}

const policy: BatchPolicy = { maxBatchSize: 8, preferredBatchSizes: [], maxTokens: 10_000, maxQueueDelayMs: 10 };

function setup(options: Partial<SchedulerOptions> = {}) {
  const calls: Call[] = [];
  const scheduler = new Scheduler({
    execute: (key, texts, batchSignal) => new Promise((resolve, reject) => calls.push({ key, texts, signal: batchSignal, resolve, reject })),
    policyFor: () => policy,
    maxQueued: 10,
    maxInFlight: 1,
    now: () => Date.now(),
    ...options,
  });
  return { scheduler, calls };
}

const upper = (call: Call) => call.resolve({ outputs: call.texts.map((text) => text.toUpperCase()) });
const signal = () => new AbortController().signal;

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('Scheduler', () => {
  it('keeps a continuous decoder to its segments in flight, the rest in the bounded queue, and tells a batch when all its segments gave up', async () => {
    const { scheduler, calls } = setup({ maxInFlight: 10, maxInFlightSegments: 3, maxQueued: 2 });
    const gone = new AbortController();
    const first = ['a', 'b'].map((text) => scheduler.submit('k', text, gone.signal).catch((err: unknown) => err));
    await vi.advanceTimersByTimeAsync(10);
    const later = ['c', 'd'].map((text) => scheduler.submit(`k${text}`, text, signal()));
    await vi.advanceTimersByTimeAsync(10);
    // 2 + 1 segments reach the limit of 3; the fourth waits, and the queue then holds it.
    expect(calls.map((call) => call.texts)).toEqual([['a', 'b'], ['c']]);
    expect(() => scheduler.admit(2)).toThrow(TranslationError);
    expect(calls[0]!.signal.aborted).toBe(false);
    gone.abort(deadlineExceeded(5));
    expect(calls[0]!.signal.aborted).toBe(true);
    calls[0]!.reject(new Error('dropped'));
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((call) => call.texts)).toEqual([['a', 'b'], ['c'], ['d']]);
    calls.slice(1).forEach(upper);
    expect((await Promise.all(later)).map((result) => result.text)).toEqual(['C', 'D']);
    await Promise.all(first);
  });

  it('batches the segments of one request after the queue delay and answers each with its own output', async () => {
    const { scheduler, calls } = setup();
    const results = ['a', 'b', 'c'].map((text) => scheduler.submit('k', text, signal()));
    await vi.advanceTimersByTimeAsync(9);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.map((call) => call.texts)).toEqual([['a', 'b', 'c']]);
    vi.advanceTimersByTime(25);
    upper(calls[0]!);
    expect(await Promise.all(results)).toEqual([
      { text: 'A', queuedMs: 10, computeMs: 25, batchSize: 3 },
      { text: 'B', queuedMs: 10, computeMs: 25, batchSize: 3 },
      { text: 'C', queuedMs: 10, computeMs: 25, batchSize: 3 },
    ]);
  });

  it('lets segments pile up while every worker is busy and sends them as one bigger batch', async () => {
    const { scheduler, calls } = setup();
    const first = scheduler.submit('k', 'x', signal());
    await vi.advanceTimersByTimeAsync(10);
    const later = ['p', 'q', 'r'].map((text) => scheduler.submit('k', text, signal()));
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toHaveLength(1);
    expect(scheduler.stats()).toMatchObject({ queued: 3, batchesInFlight: 1 });
    upper(calls[0]!);
    await first;
    await vi.advanceTimersByTimeAsync(0);
    expect(calls[1]?.texts).toEqual(['p', 'q', 'r']);
    upper(calls[1]!);
    expect((await Promise.all(later)).map((r) => r.text)).toEqual(['P', 'Q', 'R']);
  });

  it('runs batches of different keys on separate workers at once', async () => {
    const { scheduler, calls } = setup({ maxInFlight: 2 });
    void scheduler.submit('en-de', 'a', signal());
    void scheduler.submit('en-fr', 'b', signal());
    await vi.advanceTimersByTimeAsync(10);
    expect(calls.map((call) => [call.key, call.texts])).toEqual([
      ['en-de', ['a']],
      ['en-fr', ['b']],
    ]);
  });

  it('refuses a request that would overflow the queue, with a one-second retry before any measurement', () => {
    const { scheduler } = setup();
    for (let i = 0; i < 8; i++) void scheduler.submit('k', `s${i}`, signal());
    expect(() => scheduler.admit(2)).not.toThrow();
    const err = (() => {
      try {
        scheduler.admit(3);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(TranslationError);
    expect(err).toMatchObject({ code: 'queue-full', retryAfterSeconds: 1 });
  });

  it('computes Retry-After from the measured drain rate', async () => {
    const { scheduler, calls } = setup({ maxQueued: 20 });
    // A full batch (maxBatchSize 8) goes out without waiting for the delay.
    const batch = Array.from({ length: 8 }, (_, i) => scheduler.submit('k', `s${i}`, signal()));
    await vi.advanceTimersByTimeAsync(0);
    vi.advanceTimersByTime(2000);
    upper(calls[0]!);
    await Promise.all(batch);
    expect(scheduler.stats().drainRatePerSecond).toBe(4);
    for (let i = 0; i < 8; i++) void scheduler.submit('k', `t${i}`, signal());
    await vi.advanceTimersByTimeAsync(0);
    // Those 8 are in flight; 20 more wait. Admitting 10 would be 10 over the limit: at 4/s, 3 s.
    for (let i = 0; i < 20; i++) void scheduler.submit('k', `u${i}`, signal());
    expect(() => scheduler.admit(10)).toThrow(expect.objectContaining({ code: 'queue-full', retryAfterSeconds: 3 }));
  });

  it('takes a cancelled segment out of the queue and never sends it', async () => {
    const { scheduler, calls } = setup();
    const controller = new AbortController();
    const gone = scheduler.submit('k', 'gone', controller.signal);
    const kept = scheduler.submit('k', 'kept', signal());
    controller.abort();
    await expect(gone).rejects.toMatchObject({ code: 'cancelled' });
    expect(scheduler.stats().queued).toBe(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(calls.map((call) => call.texts)).toEqual([['kept']]);
    upper(calls[0]!);
    expect((await kept).text).toBe('KEPT');
  });

  it('rejects with deadline-exceeded when the deadline is the abort reason', async () => {
    const { scheduler } = setup();
    const controller = new AbortController();
    const late = scheduler.submit('k', 'late', controller.signal);
    controller.abort(deadlineExceeded(5));
    await expect(late).rejects.toMatchObject({ code: 'deadline-exceeded' });
    expect(scheduler.stats().queued).toBe(0);
  });

  it('rejects at once for an already aborted signal', async () => {
    const { scheduler } = setup();
    await expect(scheduler.submit('k', 'x', AbortSignal.abort())).rejects.toMatchObject({ code: 'cancelled' });
    expect(scheduler.stats().queued).toBe(0);
  });

  it('finishes a segment whose batch already started even if its signal aborts', async () => {
    const { scheduler, calls } = setup();
    const controller = new AbortController();
    const result = scheduler.submit('k', 'x', controller.signal);
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    upper(calls[0]!);
    expect((await result).text).toBe('X');
  });

  it('fails every segment of a failed batch and carries on with the next', async () => {
    const { scheduler, calls } = setup();
    const failed = [scheduler.submit('k', 'a', signal()), scheduler.submit('k', 'b', signal())];
    await vi.advanceTimersByTimeAsync(10);
    const next = scheduler.submit('k', 'c', signal());
    calls[0]!.reject(new TranslationError('worker-failed', 'boom'));
    for (const result of failed) await expect(result).rejects.toMatchObject({ code: 'worker-failed' });
    await vi.advanceTimersByTimeAsync(10);
    upper(calls[1]!);
    expect((await next).text).toBe('C');
  });

  it('fails a batch that comes back with the wrong number of outputs instead of mixing them up', async () => {
    const { scheduler, calls } = setup();
    const results = [scheduler.submit('k', 'a', signal()), scheduler.submit('k', 'b', signal())];
    await vi.advanceTimersByTimeAsync(10);
    calls[0]!.resolve({ outputs: ['only one'] });
    for (const result of results) await expect(result).rejects.toMatchObject({ code: 'worker-failed' });
  });

  it('reports each batch that came back, with its texts, outputs and compute time', async () => {
    const onBatch = vi.fn();
    const { scheduler, calls } = setup({ onBatch });
    const results = [scheduler.submit('k', 'a', signal()), scheduler.submit('k', 'b', signal())];
    await vi.advanceTimersByTimeAsync(10);
    vi.advanceTimersByTime(40);
    upper(calls[0]!);
    await Promise.all(results);
    expect(onBatch).toHaveBeenCalledExactlyOnceWith('k', ['a', 'b'], ['A', 'B'], 40);
  });
});
