import { setMaxListeners } from 'node:events';
import { cacheKey, normalizeSegment, TranslationCache } from './cache.ts';
import { abortReason, cancelled, deadlineExceeded } from './errors.ts';
import { InferencePool } from './inference-pool.ts';
import { MemoryBudget } from './memory-budget.ts';
import { loadCatalog, type Catalog, type CatalogModel } from './model-catalog.ts';
import { ModelManager, type InferenceBackend, type LanguageInfo, type Lease, type ModelInfo } from './model-manager.ts';
import { Scheduler, type SegmentResult } from './scheduler.ts';
import type { EngineStats, TranslateRequest, TranslateResult, TranslationService } from './service.ts';
import type { TranslationSettings } from './settings.ts';
import { spawnInferenceProcess, spawnInferenceThread, type SpawnWorker } from './worker-hosts.ts';

export type EngineSettings = Pick<
  TranslationSettings,
  'models' | 'batching' | 'modelBatching' | 'queueSize' | 'deadlineMs' | 'cacheSize' | 'memoryBudgetBytes'
>;

export interface EngineOptions {
  catalog: Catalog;
  backend: InferenceBackend;
  settings: EngineSettings;
  now?: () => number;
  log?: (message: string) => void;
}

type BatchKey = [modelId: string, source: string, target: string];

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Cache, bounded queue, dynamic batcher and model manager in front of the inference workers. */
export class TranslationEngine implements TranslationService {
  readonly #models: ModelManager;
  readonly #scheduler: Scheduler;
  readonly #cache: TranslationCache<SegmentResult>;
  readonly #now: () => number;

  constructor(private readonly options: EngineOptions) {
    const { catalog, backend, settings } = options;
    this.#now = options.now ?? (() => performance.now());
    const preferred = settings.models.length > 0 ? settings.models : catalog.defaultModel ? [catalog.defaultModel] : [];
    this.#models = new ModelManager(catalog, backend, new MemoryBudget(settings.memoryBudgetBytes), { preferred, log: options.log });
    this.#cache = new TranslationCache(settings.cacheSize);
    this.#scheduler = new Scheduler({
      maxQueued: settings.queueSize,
      maxInFlight: backend.size,
      now: this.#now,
      policyFor: (key) => ({ ...settings.batching, ...settings.modelBatching[(JSON.parse(key) as BatchKey)[0]] }),
      execute: async (key, texts) => {
        const [modelId, source, target] = JSON.parse(key) as BatchKey;
        const release = this.#models.hold(modelId);
        try {
          return await backend.translate(this.#models.job(modelId, source, target, texts));
        } finally {
          release();
        }
      },
    });
  }

  /** Starts loading the configured models. */
  start(): void {
    this.#models.preload();
  }

  stop(): Promise<void> {
    return this.options.backend.stop();
  }

  async translate(request: TranslateRequest): Promise<TranslateResult> {
    const started = this.#now();
    const deadlineMs = Math.min(request.deadlineMs ?? this.options.settings.deadlineMs, this.options.settings.deadlineMs);
    const controller = new AbortController();
    // Every segment of the request waits on this signal: one listener each, beyond Node's default warning limit of 10.
    setMaxListeners(request.segments.length + 1, controller.signal);
    const timer = setTimeout(() => controller.abort(deadlineExceeded(deadlineMs)), deadlineMs);
    const onClientGone = () => controller.abort(cancelled());
    if (request.signal?.aborted) onClientGone();
    request.signal?.addEventListener('abort', onClientGone, { once: true });
    try {
      return await this.#translate(request, controller.signal, started);
    } catch (err) {
      // Takes this request's segments that still wait out of the queue.
      controller.abort(cancelled());
      throw err;
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onClientGone);
    }
  }

  models(): ModelInfo[] {
    return this.#models.list();
  }

  languages(): LanguageInfo[] {
    return this.#models.languages();
  }

  stats(): EngineStats {
    return { cache: this.#cache.stats(), queue: this.#scheduler.stats(), workers: this.options.backend.stats() };
  }

  async #translate(request: TranslateRequest, signal: AbortSignal, started: number): Promise<TranslateResult> {
    const { source, target } = request;
    const model = this.#models.resolve(request.model, source, target);
    const lease = await this.#acquire(model, signal);
    try {
      const scope = { modelId: model.entry.id, version: model.version, precision: lease.loaded.precision, source, target };
      const texts = request.segments.map(normalizeSegment);
      const keys = texts.map((text) => cacheKey(scope, text));
      const hits = texts.map((text, i) => (text === '' ? '' : this.#cache.get(keys[i]!)));
      this.#scheduler.admit(new Set(keys.filter((key, i) => hits[i] === undefined && !this.#cache.isInFlight(key))).size);
      const batchKey = JSON.stringify([model.entry.id, source, target] satisfies BatchKey);
      const results = await Promise.all(
        texts.map((text, i) => {
          const hit = hits[i];
          if (hit !== undefined) return { text: hit, queuedMs: 0, computeMs: 0 };
          return this.#cache.share(keys[i]!, signal, (shared) => this.#scheduler.submit(batchKey, text, shared));
        }),
      );
      return {
        translations: results.map((result) => result.text),
        model: { id: model.entry.id, version: model.version },
        timings: {
          queuedMs: Math.round(Math.max(0, ...results.map((result) => result.queuedMs))),
          computeMs: Math.round(Math.max(0, ...results.map((result) => result.computeMs))),
          totalMs: Math.round(this.#now() - started),
        },
        cached: hits.filter((hit, i) => hit !== undefined && texts[i] !== '').length,
      };
    } finally {
      lease.release();
    }
  }

  /** Waits for the model within the request's deadline; a lease that arrives after the request gave up is released. */
  async #acquire(model: CatalogModel, signal: AbortSignal): Promise<Lease> {
    const acquiring = this.#models.acquire(model);
    try {
      return await untilAborted(acquiring, signal);
    } catch (err) {
      acquiring.then((lease) => lease.release(), () => {});
      throw err;
    }
  }
}

/** Reads the manifest, starts the inference workers and begins loading the configured models. */
export async function startTranslationEngine(
  settings: TranslationSettings,
  modelsDir: string,
  options: { log?: (message: string) => void; spawn?: SpawnWorker } = {},
): Promise<TranslationEngine> {
  const catalog = await loadCatalog(modelsDir);
  const pool = new InferencePool({
    size: settings.workers,
    init: { modelsDir, providers: settings.providers, precision: settings.precision, threads: settings.threads },
    spawn: options.spawn ?? (settings.isolation === 'process' ? spawnInferenceProcess : spawnInferenceThread),
    log: options.log,
  });
  pool.start();
  const engine = new TranslationEngine({ catalog, backend: pool, settings, log: options.log });
  engine.start();
  return engine;
}
