import type { CacheStats } from './cache.ts';
import { TranslationError } from './errors.ts';
import type { PoolStats } from './inference-pool.ts';
import type { LanguageInfo, ModelInfo } from './loaded-models.ts';
import type { SchedulerStats } from './scheduler.ts';

export interface TranslateRequest {
  segments: string[];
  source: string;
  target: string;
  model?: string;
  /** Lowers the configured deadline for this request; never raises it. */
  deadlineMs?: number;
  /** Aborted when the client goes away. */
  signal?: AbortSignal;
  /** A stable id of the caller (its API key, else its address): keeps it on one version during a canary. */
  client?: string;
  /** Other translations wanted per segment, besides the best (LibreTranslate's `alternatives`). */
  alternatives?: number;
  /** Beam width (1: greedy); absent: the server's default (SOTTO_DECODE_BEAMS). */
  beams?: number;
}

export interface TranslateResult {
  translations: string[];
  model: { id: string; version: string };
  /** queuedMs: the longest a segment waited for its batch; computeMs: the longest batch; totalMs: the whole request. */
  timings: { queuedMs: number; computeMs: number; totalMs: number };
  /** Segments answered from the cache. */
  cached: number;
  /** This request's share of inference time: each batch's time split evenly among its segments; cached ones are free. */
  computeSeconds: number;
  /** Per segment, up to `alternatives` other translations, when asked for and the engine gives them. */
  alternatives?: string[][];
}

export interface EngineStats {
  cache: CacheStats;
  queue: SchedulerStats;
  workers: PoolStats;
}

/** What the HTTP routes need of the translation engine; failures are TranslationErrors. */
export interface TranslationService {
  translate(request: TranslateRequest): Promise<TranslateResult>;
  models(): ModelInfo[];
  languages(): LanguageInfo[];
  stats(): EngineStats;
}

/** Stands in when the engine is not running: translations and stats answer 503 with the reason; nothing is listed. */
export function unavailableTranslation(reason: string): TranslationService {
  const fail = (): never => {
    throw new TranslationError('model-unavailable', reason);
  };
  return { translate: async () => fail(), models: () => [], languages: () => [], stats: fail };
}
