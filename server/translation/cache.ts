import { abortReason } from './errors.ts';

/** Trimmed, whitespace runs collapsed to one space, Unicode NFC: the form in which segments are cached and translated. */
export function normalizeSegment(text: string): string {
  return text.normalize('NFC').replace(/\s+/gu, ' ').trim();
}

/** What a translation depends on besides the text: the exact weights, the direction and the beam width. */
export interface CacheScope {
  modelId: string;
  version: string;
  precision: string;
  source: string;
  target: string;
  beams: number;
}

export function cacheKey(scope: CacheScope, normalizedText: string): string {
  return JSON.stringify([scope.modelId, scope.version, scope.precision, scope.source, scope.target, scope.beams, normalizedText]);
}

export interface CacheStats {
  entries: number;
  capacity: number;
  hits: number;
  misses: number;
  /** hits / (hits + misses); 0 before any lookup. */
  hitRate: number;
  /** Computations joined while already running instead of being started again. */
  deduplicated: number;
}

interface Shared<R> {
  promise: Promise<R>;
  controller: AbortController;
  waiters: number;
}

/**
 * A bounded LRU of translations, plus in-flight deduplication: concurrent callers for one key share one
 * computation. A caller's signal only detaches that caller; the computation is aborted when the last leaves.
 */
export class TranslationCache<R extends { text: string }> {
  // A Map iterates in insertion order, so re-inserting on access keeps the least recently used first.
  readonly #entries = new Map<string, string>();
  readonly #inFlight = new Map<string, Shared<R>>();
  #hits = 0;
  #misses = 0;
  #deduplicated = 0;

  constructor(readonly capacity: number) {}

  get(key: string): string | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) {
      this.#misses += 1;
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, value);
    this.#hits += 1;
    return value;
  }

  isInFlight(key: string): boolean {
    return this.#inFlight.has(key);
  }

  share(key: string, signal: AbortSignal, compute: (signal: AbortSignal) => Promise<R>): Promise<R> {
    if (signal.aborted) return Promise.reject(abortReason(signal));
    let shared = this.#inFlight.get(key);
    if (shared) this.#deduplicated += 1;
    else shared = this.#start(key, compute);
    return this.#join(key, shared, signal);
  }

  stats(): CacheStats {
    const lookups = this.#hits + this.#misses;
    return {
      entries: this.#entries.size,
      capacity: this.capacity,
      hits: this.#hits,
      misses: this.#misses,
      hitRate: lookups === 0 ? 0 : this.#hits / lookups,
      deduplicated: this.#deduplicated,
    };
  }

  #start(key: string, compute: (signal: AbortSignal) => Promise<R>): Shared<R> {
    const controller = new AbortController();
    const shared: Shared<R> = { promise: compute(controller.signal), controller, waiters: 0 };
    this.#inFlight.set(key, shared);
    const settle = () => {
      if (this.#inFlight.get(key) === shared) this.#inFlight.delete(key);
    };
    shared.promise.then(
      (result) => {
        settle();
        this.#store(key, result.text);
      },
      settle,
    );
    return shared;
  }

  #join(key: string, shared: Shared<R>, signal: AbortSignal): Promise<R> {
    shared.waiters += 1;
    return new Promise<R>((resolve, reject) => {
      const leave = () => {
        reject(abortReason(signal));
        shared.waiters -= 1;
        if (shared.waiters > 0) return;
        if (this.#inFlight.get(key) === shared) this.#inFlight.delete(key);
        shared.controller.abort(signal.reason);
      };
      signal.addEventListener('abort', leave, { once: true });
      shared.promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', leave));
    });
  }

  #store(key: string, text: string): void {
    if (this.capacity === 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, text);
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.capacity) break;
      this.#entries.delete(oldest);
    }
  }
}
