import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TranslateResult } from '../../server/translation/service.ts';
import { countByStatus, pickDistinct, runLoad, seededRandom, watchHealth, type LoadOutcome, type LoadRequest } from './load-client.ts';
import { ensureTinyModels, floresPresent, readFlores, startTranslationServer, tinyNllb, type TranslationServer } from './translation-server.ts';

/**
 * The real server process under a burst larger than its queue: every request gets one answer, and each
 * answer is either the right translation of every segment, in order, or a documented refusal.
 */

const requestCount = 1000;
const clients = 50;
const queueSize = 8;
// 5 ms always expires (the batch delay alone is 10 ms); the others expire or not depending on the queue,
// 5 s rarely, so that a busy machine still yields translations to check. Few of those keep the burst short.
const deadlinesMs = [5, 250, 1000, 5, 250, 1000, 5, 5000];

const runnable = floresPresent() && ensureTinyModels();
if (!runnable) console.warn('Skipping the load test: FLORES-200 (../shared/data/mt/) or the tiny NLLB model is missing.');

interface Sent {
  request: LoadRequest;
  segments: string[];
}

/** What is wrong with one answer, or undefined when it is one of the documented ones. */
function problemWith(outcome: LoadOutcome, sent: Sent, reference: ReadonlyMap<string, string>): string | undefined {
  const body = outcome.body as Record<string, unknown> | undefined;
  const problemJson = outcome.contentType === 'application/problem+json' && body?.status === outcome.status;
  switch (outcome.status) {
    case 200: {
      const { translations } = body as unknown as TranslateResult;
      if (translations?.length !== sent.segments.length) return `${translations?.length} translations for ${sent.segments.length} segments`;
      const wrong = sent.segments.findIndex((segment, i) => translations[i] !== reference.get(segment));
      return wrong === -1 ? undefined : `segment ${wrong} came back as another text's translation: ${JSON.stringify(translations[wrong])}`;
    }
    case 429: {
      const seconds = Number(outcome.retryAfter);
      if (!/^\d+$/.test(outcome.retryAfter ?? '') || seconds < 1 || seconds > 300) return `Retry-After ${JSON.stringify(outcome.retryAfter)}`;
      return problemJson && body?.code === 'queue-full' ? undefined : `429 body ${JSON.stringify(body)}`;
    }
    case 504:
      return problemJson && body?.code === 'deadline-exceeded' ? undefined : `504 body ${JSON.stringify(body)}`;
    default:
      return `unexpected ${outcome.status || outcome.error}: ${JSON.stringify(body)}`;
  }
}

describe.skipIf(!runnable)('the real server under a burst of requests', () => {
  let server: TranslationServer;
  /** Each pool sentence's translation when sent alone. */
  const reference = new Map<string, string>();
  let pool: string[] = [];

  beforeAll(async () => {
    server = await startTranslationServer({
      SOTTO_TRANSLATION_MODELS: tinyNllb,
      // q8's dynamic quantization scales activations per batch, so a q8 segment's translation depends on
      // its batch-mates; fp32's does not, which lets every answer be checked against the segment alone.
      SOTTO_TRANSLATION_PRECISION: 'fp32',
      SOTTO_TRANSLATION_WORKERS: '1',
      SOTTO_QUEUE_SIZE: String(queueSize),
      // As many sequences decoding as one dynamic batch held before the continuous decoder, so the small queue still fills.
      SOTTO_DECODE_MAX_SEQUENCES: '16',
      SOTTO_MAX_SEGMENTS: String(queueSize),
      SOTTO_DEADLINE_MS: '15000',
      // Off, or the reference pass would answer the whole burst from the cache.
      SOTTO_CACHE_SIZE: '0',
    });
    for (const sentence of readFlores().slice(0, 24)) reference.set(sentence, (await server.translateOk([sentence])).translations[0]!);
    // A mix-up is only visible between sentences whose translations differ.
    const counts = new Map<string, number>();
    for (const translation of reference.values()) counts.set(translation, (counts.get(translation) ?? 0) + 1);
    pool = [...reference.keys()].filter((sentence) => counts.get(reference.get(sentence)!) === 1);
  }, 150_000);

  afterAll(() => server?.stop());

  it('translates a segment the same way alone, again, and in a batch', async () => {
    expect(pool.length).toBeGreaterThanOrEqual(20);
    const sample = pool.slice(0, 6);
    for (const sentence of sample) expect((await server.translateOk([sentence])).translations[0]).toBe(reference.get(sentence));
    expect((await server.translateOk(sample)).translations).toEqual(sample.map((sentence) => reference.get(sentence)));
  }, 60_000);

  it('answers every request of a burst exactly once with the right text, 429 + Retry-After or 504, and stays healthy', async () => {
    const random = seededRandom(20240601);
    const sent: Sent[] = Array.from({ length: requestCount }, (_, i) => {
      const segments = pickDistinct(pool, 1 + Math.floor(random() * 4), random);
      const deadlineMs = deadlinesMs[i % deadlinesMs.length];
      // Every other round of deadlines comes as the X-Deadline-Ms header, the others in the body.
      const viaHeader = Math.floor(i / deadlinesMs.length) % 2 === 0;
      const body = { segments, source: 'en', target: 'de', ...(!viaHeader && deadlineMs && { deadlineMs }) };
      const headers = viaHeader && deadlineMs ? { 'X-Deadline-Ms': String(deadlineMs) } : undefined;
      return { segments, request: { path: 'v1/translate', body, headers } };
    });

    const health = watchHealth(server.url);
    const started = performance.now();
    const outcomes = await runLoad(server.url, sent.map((s) => s.request), clients);
    const seconds = (performance.now() - started) / 1000;
    const polls = await health.stop();

    const counts = countByStatus(outcomes);
    const worstPoll = Math.max(...polls.map((poll) => poll.latencyMs));
    console.log(
      `Burst of ${requestCount} requests from ${clients} clients in ${seconds.toFixed(1)} s: ${JSON.stringify(counts)} by status; ` +
        `/healthz answered ${polls.filter((poll) => poll.status === 200).length} of ${polls.length} polls, slowest ${worstPoll.toFixed(0)} ms.`,
    );
    expect(outcomes.filter(Boolean)).toHaveLength(requestCount);
    const problems = outcomes.flatMap((outcome) => {
      const problem = problemWith(outcome, sent[outcome.index]!, reference);
      return problem ? [`request ${outcome.index}: ${problem}`] : [];
    });
    expect(problems.slice(0, 10)).toEqual([]);
    expect(counts[200]).toBeGreaterThan(0);
    expect(counts[429]).toBeGreaterThan(0);
    expect(counts[504]).toBeGreaterThan(0);
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.every((poll) => poll.status === 200)).toBe(true);
    // Inference runs off the event loop: even on a loaded machine, a poll never waits for a batch to finish.
    expect(worstPoll).toBeLessThan(5000);

    // Afterwards: nothing left waiting, and a plain request is served.
    await expect.poll(async () => (await server.stats()).queue.queued, { timeout: 10_000 }).toBe(0);
    const after = pool.slice(0, 3);
    expect((await server.translateOk(after)).translations).toEqual(after.map((sentence) => reference.get(sentence)));
  }, 90_000);
});
