import { countByStatus, percentile, seededRandom, type LoadOutcome, type LoadRequest } from '../../testing/load/load-client.ts';
import type { TranslateResult } from '../../server/translation/service.ts';
import type { WorkloadId } from './scenarios.ts';

/** Bursty load: B requests at once (one segment each, as a speech client sends finished sentences), then idle. */

export interface Workload {
  id: WorkloadId;
  /** bursts → requests → segments */
  bursts: string[][][];
}

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

/** Distinct FLORES sentences, the same ones for every scenario. */
export function floresWorkload(sentences: readonly string[], bursts: number, burstSize: number): Workload {
  return {
    id: 'flores',
    bursts: Array.from({ length: bursts }, (_, b) => Array.from({ length: burstSize }, (_, r) => [sentences[(b * burstSize + r) % sentences.length]!])),
  };
}

/** Requests for a few short phrases, the first ones far more often (Zipf-like), the same draw for every scenario. */
export function phrasesWorkload(bursts: number, burstSize: number): Workload {
  const random = seededRandom(7);
  const weights = PHRASES.map((_, i) => 1 / (i + 1));
  const total = weights.reduce((sum, w) => sum + w, 0);
  const draw = () => {
    let left = random() * total;
    return PHRASES[weights.findIndex((w) => (left -= w) < 0)] ?? PHRASES.at(-1)!;
  };
  return { id: 'phrases', bursts: Array.from({ length: bursts }, () => Array.from({ length: burstSize }, () => [draw()])) };
}

export interface Measurement {
  requests: number;
  segments: number;
  statuses: Record<number, number>;
  /** Sum of the bursts' wall times (first request sent to last answer read); the idle gaps are left out. */
  busySeconds: number;
  /** Segments answered with a 200, per busy second. */
  segmentsPerSecond: number;
  /** Per request, client side (loopback HTTP included); nearest rank, so p99 is the maximum below 100 requests. */
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** Segments the server answered from its cache. */
  cachedSegments: number;
}

export function burstRequests(burst: string[][]): LoadRequest[] {
  return burst.map((segments) => ({ path: 'v1/translate', body: { segments, source: 'en', target: 'de' } }));
}

/** Throughput and latency over a workload's bursts, `busyMs` being their summed wall time. */
export function measure(outcomes: readonly LoadOutcome[], busyMs: number, segments: number): Measurement {
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
    latencyMs: { p50: at(50), p95: at(95), p99: at(99), max: at(100) },
    cachedSegments: answered.reduce((sum, result) => sum + result.cached, 0),
  };
}
