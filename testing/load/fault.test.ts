import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PoolStats } from '../../server/translation/inference-pool.ts';
import type { TranslateResult } from '../../server/translation/service.ts';
import type { LoadOutcome } from './load-client.ts';
import { ensureTinyModels, floresPresent, readFlores, startTranslationServer, tinyNllb, type TranslationServer } from './translation-server.ts';

/**
 * SIGKILL of the real server's inference process in the middle of a batch. Only process isolation can
 * take this: a worker thread cannot be killed from outside, and terminate() during an ONNX Runtime run
 * aborts the whole server (see inference-pool.ts), so thread mode is left to the engine's own tests.
 */

const runnable = floresPresent() && ensureTinyModels();
if (!runnable) console.warn('Skipping the fault test: FLORES-200 (../shared/data/mt/) or the tiny NLLB model is missing.');

describe.skipIf(!runnable)('the real server when its inference process is killed mid-batch', () => {
  let server: TranslationServer;
  /** Three requests of six segments, each segment three FLORES sentences: a batch long enough to be killed in the middle. */
  let requests: string[][] = [];
  const expected = new Map<string, string>();

  const worker = async (): Promise<PoolStats['workers'][number]> => (await server.stats()).workers.workers[0]!;
  const restarts = async () => (await server.stats()).workers.restarts;
  const retriedBatches = () => server.output().split('retrying the batch once').length - 1;

  /** Waits until the inference process other than `not` is running a batch, then kills it; returns its pid. */
  async function killBusyWorker(not?: number): Promise<number> {
    const pid = await vi.waitFor(
      async () => {
        const current = await worker();
        if (!current.busy || current.pid === undefined || current.pid === not) throw new Error(`worker ${JSON.stringify(current)} is not computing yet`);
        return current.pid;
      },
      { timeout: 30_000, interval: 5 },
    );
    process.kill(pid, 'SIGKILL');
    return pid;
  }

  function expectTranslated(outcome: Omit<LoadOutcome, 'index'>, segments: string[]): void {
    expect(outcome.status, JSON.stringify(outcome.body ?? outcome.error)).toBe(200);
    expect((outcome.body as TranslateResult).translations).toEqual(segments.map((segment) => expected.get(segment)));
  }

  function expectCleanFailure(outcome: Omit<LoadOutcome, 'index'>): void {
    expect(outcome.status, JSON.stringify(outcome.body ?? outcome.error)).toBe(503);
    expect(outcome.contentType).toBe('application/problem+json');
    expect(outcome.body).toMatchObject({ status: 503, code: 'worker-failed', detail: expect.stringContaining('died twice') });
  }

  async function expectServing(): Promise<void> {
    expect((await fetch(`${server.url}healthz`)).status).toBe(200);
    const segments = requests[0]!.slice(0, 2);
    expectTranslated(await server.translate({ segments, source: 'en', target: 'de' }), segments);
  }

  beforeAll(async () => {
    server = await startTranslationServer({
      SOTTO_TRANSLATION_MODELS: tinyNllb,
      SOTTO_INFERENCE_ISOLATION: 'process',
      // Batch-invariant, so a retried batch must give exactly the first answers (see load.test.ts).
      SOTTO_TRANSLATION_PRECISION: 'fp32',
      SOTTO_TRANSLATION_WORKERS: '1',
      SOTTO_CACHE_SIZE: '0',
      SOTTO_BATCH_MAX_DELAY_MS: '50',
      SOTTO_DEADLINE_MS: '60000',
    });
    const flores = readFlores();
    const segment = (i: number) => flores.slice(i * 3, i * 3 + 3).join(' ');
    requests = [0, 1, 2].map((r) => Array.from({ length: 6 }, (_, s) => segment(r * 6 + s)));
    const results = await Promise.all(requests.map((segments) => server.translateOk(segments)));
    requests.forEach((segments, r) => segments.forEach((segment, s) => expected.set(segment, results[r]!.translations[s]!)));
  }, 150_000);

  afterAll(() => server?.stop());

  it('retries the batch on a new process: every caller gets its translations, and the server stays up', async () => {
    const before = await restarts();
    const retriedBefore = retriedBatches();
    const answers = Promise.all(requests.map((segments) => server.translate({ segments, source: 'en', target: 'de' })));
    const killed = await killBusyWorker();
    const outcomes = await answers;
    outcomes.forEach((outcome, r) => expectTranslated(outcome, requests[r]!));
    expect(await restarts()).toBe(before + 1);
    // A continuous decoder holds several requests' batches at once: each of those on the killed process is retried once.
    expect(retriedBatches() - retriedBefore).toBeGreaterThanOrEqual(1);
    expect(retriedBatches() - retriedBefore).toBeLessThanOrEqual(requests.length);
    expect(() => process.kill(killed, 0)).toThrow();
    expect((await worker()).pid).not.toBe(killed);
    await expectServing();
  }, 60_000);

  it('answers 503 problem+json when the retry is killed too, then serves from a third process', async () => {
    const before = await restarts();
    const answer = server.translate({ segments: requests[1], source: 'en', target: 'de' });
    const first = await killBusyWorker();
    await killBusyWorker(first);
    expectCleanFailure(await answer);
    expect(await restarts()).toBe(before + 2);
    await expectServing();
  }, 60_000);
});
