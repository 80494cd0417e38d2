import { countByStatus, percentile, seededRandom, type LoadOutcome, type LoadRequest } from '../../testing/load/load-client.ts';
import type { TranslateResult } from '../../server/translation/service.ts';
import type { WorkloadId } from './scenarios.ts';

/**
 * Bursty load: bursts of requests that arrive as a Poisson process (exponential gaps of a given mean),
 * then idle. A request carries one segment, as a speech client sends a finished sentence, or several, as
 * the app sends what queued up meanwhile (an opened file's transcript).
 */

export interface WorkloadRequest {
  segments: string[];
  /** English is the source; the target language, several in one burst for a multilingual model. */
  target: string;
}

export interface Workload {
  id: WorkloadId;
  bursts: WorkloadRequest[][];
  /** bursts → when each request is sent, ms after the burst's start */
  arrivalsMs: number[][];
  /** One line on what the bursts hold, for the report. */
  description: string;
}

/** Poisson arrivals: cumulative exponential gaps of mean `meanGapMs` (0: all at once), the same draw for every scenario. */
export function poissonArrivals(count: number, meanGapMs: number, random: () => number): number[] {
  let at = 0;
  return Array.from({ length: count }, (_, i) => {
    if (i > 0) at += -Math.log(1 - random()) * meanGapMs;
    return Math.round(at);
  });
}

const arrivalsFor = (bursts: WorkloadRequest[][], meanGapMs: number, seed: number) => {
  const random = seededRandom(seed);
  return bursts.map((burst) => poissonArrivals(burst.length, meanGapMs, random));
};

// What people say again and again; their translations are what a cache should keep.
const PHRASES = [
  'Thank you very much.',
  'Good morning, everyone.',
  'Could you repeat that, please?',
  'I do not understand.',
  'Where is the train station?',
  'See you tomorrow.',
  'Yes, of course.',
  'How much does it cost?',
];

export interface BurstShape {
  bursts: number;
  /** Requests per burst. */
  requests: number;
  /** Mean gap between a burst's requests. */
  arrivalMs: number;
  /** Target languages, taken in turn request by request. */
  targets: readonly string[];
}

/** Bursts of `shape.requests` requests, their segments from `segmentsFor`, their targets in turn; `what` says what one request holds. */
function burstyWorkload(id: WorkloadId, shape: BurstShape, seed: number, what: string, segmentsFor: (burst: number, request: number) => string[]): Workload {
  const { bursts, requests, arrivalMs, targets } = shape;
  const texts = Array.from({ length: bursts }, (_, b) => Array.from({ length: requests }, (_, r) => ({ segments: segmentsFor(b, r), target: targets[r % targets.length]! })));
  const directions = `English → ${targets.join(', ')}${targets.length > 1 ? ' (in turn, request by request)' : ''}`;
  return {
    id,
    bursts: texts,
    arrivalsMs: arrivalsFor(texts, arrivalMs, seed),
    description: `${bursts} burst(s) of ${requests} requests arriving as a Poisson process (mean gap ${arrivalMs} ms), ${what}, ${directions}`,
  };
}

/** Distinct FLORES sentences in their file order (their real length mix), one per request, the same ones for every scenario. */
export function floresWorkload(sentences: readonly string[], shape: BurstShape): Workload {
  const what = 'one distinct FLORES-200 devtest sentence each, in file order (their real length mix)';
  return burstyWorkload('flores', shape, 11, what, (b, r) => [sentences[(b * shape.requests + r) % sentences.length]!]);
}

/**
 * Requests of 2 to `maxSegments` consecutive FLORES sentences (drawn evenly, the same draw for every
 * scenario), from the file's second half so that they differ from the flores workload's.
 */
export function documentsWorkload(sentences: readonly string[], shape: BurstShape, maxSegments: number): Workload {
  const random = seededRandom(17);
  let next = Math.floor(sentences.length / 2);
  const take = (count: number) => Array.from({ length: count }, () => sentences[next++ % sentences.length]!);
  const what = `each of 2–${maxSegments} consecutive FLORES-200 sentences (as the app sends what queued up meanwhile)`;
  return burstyWorkload('documents', shape, 19, what, () => take(2 + Math.floor(random() * (maxSegments - 1))));
}

/** Requests for a few short phrases, the first ones far more often (Zipf-like), the same draw for every scenario. */
export function phrasesWorkload(shape: BurstShape): Workload {
  const random = seededRandom(7);
  const weights = PHRASES.map((_, i) => 1 / (i + 1));
  const total = weights.reduce((sum, w) => sum + w, 0);
  const draw = () => {
    let left = random() * total;
    return PHRASES[weights.findIndex((w) => (left -= w) < 0)] ?? PHRASES.at(-1)!;
  };
  const what = `one short conversational phrase each, drawn Zipf-like from ${PHRASES.length} so that they repeat`;
  return burstyWorkload('phrases', shape, 13, what, () => [draw()]);
}

export interface Measurement {
  requests: number;
  segments: number;
  statuses: Record<number, number>;
  /** Sum of the bursts' wall times (first request sent to last answer read); the idle gaps are left out. */
  busySeconds: number;
  /** Segments answered with a 200, per busy second. */
  segmentsPerSecond: number;
  /** Tokens of the answered translations (the model's tokenizer, end-of-sentence included), per busy second. */
  tokensPerSecond: number;
  /** Per request, from its sending, client side (loopback HTTP included); nearest rank, so p99 is the maximum below 100 requests. */
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** From a burst's first request to its first answer, median over the bursts. */
  firstAnswerMs: number;
  /** Segments the server answered from its cache. */
  cachedSegments: number;
}

export function burstRequests(burst: readonly WorkloadRequest[]): LoadRequest[] {
  return burst.map(({ segments, target }) => ({ path: 'v1/translate', body: { segments, source: 'en', target } }));
}

export interface BurstTotals {
  busyMs: number;
  segments: number;
  tokens: number;
  firstAnswersMs: number[];
}

/** Throughput and latency over a workload's bursts, `busyMs` being their summed wall time. */
export function measure(outcomes: readonly LoadOutcome[], { busyMs, segments, tokens, firstAnswersMs }: BurstTotals): Measurement {
  const answered = outcomes.filter((outcome) => outcome.status === 200).map((outcome) => outcome.body as TranslateResult);
  const translated = answered.reduce((sum, result) => sum + result.translations.length, 0);
  const latencies = outcomes.map((outcome) => outcome.latencyMs);
  const at = (p: number) => Math.round(percentile(latencies, p) ?? 0);
  return {
    requests: outcomes.length,
    segments,
    statuses: countByStatus(outcomes),
    busySeconds: busyMs / 1000,
    segmentsPerSecond: translated / (busyMs / 1000),
    tokensPerSecond: tokens / (busyMs / 1000),
    latencyMs: { p50: at(50), p95: at(95), p99: at(99), max: at(100) },
    firstAnswerMs: Math.round(percentile(firstAnswersMs, 50) ?? 0),
    cachedSegments: answered.reduce((sum, result) => sum + result.cached, 0),
  };
}

const median = (values: number[]) => percentile(values, 50) ?? 0;

/** The median of each figure over repeated runs of one workload (statuses and counts summed). */
export function medianMeasurement(runs: readonly Measurement[]): Measurement {
  const of = (pick: (m: Measurement) => number) => median(runs.map(pick));
  const statuses: Record<number, number> = {};
  for (const run of runs) for (const [status, count] of Object.entries(run.statuses)) statuses[Number(status)] = (statuses[Number(status)] ?? 0) + count;
  return {
    requests: runs.reduce((sum, m) => sum + m.requests, 0),
    segments: runs.reduce((sum, m) => sum + m.segments, 0),
    statuses,
    busySeconds: of((m) => m.busySeconds),
    segmentsPerSecond: of((m) => m.segmentsPerSecond),
    tokensPerSecond: of((m) => m.tokensPerSecond),
    latencyMs: { p50: of((m) => m.latencyMs.p50), p95: of((m) => m.latencyMs.p95), p99: of((m) => m.latencyMs.p99), max: of((m) => m.latencyMs.max) },
    firstAnswerMs: of((m) => m.firstAnswerMs),
    cachedSegments: runs.reduce((sum, m) => sum + m.cachedSegments, 0),
  };
}
