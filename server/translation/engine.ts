import { setMaxListeners } from 'node:events';
import { maxBeams } from '../../contract/translation-api.ts';
import { cacheKey, normalizeSegment, TranslationCache } from './cache.ts';
import { abortReason, cancelled, deadlineExceeded, shuttingDown, TranslationError } from './errors.ts';
import { InferencePool } from './inference-pool.ts';
import { MemoryBudget } from './memory-budget.ts';
import { loadCatalog, type Catalog, type CatalogModel } from './model-catalog.ts';
import { LoadedModels, type InferenceBackend, type LanguageInfo, type Lease, type ModelInfo } from './loaded-models.ts';
import { Scheduler, type SegmentResult } from './scheduler.ts';
import type { EngineStats, TranslateRequest, TranslateResult, TranslationService } from './service.ts';
import type { TranslationSettings } from './settings.ts';
import { spawnInferenceProcess, spawnInferenceThread, type SpawnWorker } from './worker-hosts.ts';

export type EngineSettings = Pick<
  TranslationSettings,
  'models' | 'batching' | 'modelBatching' | 'queueSize' | 'deadlineMs' | 'cacheSize' | 'memoryBudgetBytes'
> &
  Partial<Pick<TranslationSettings, 'decoding'>>;

type ModelRef = TranslateResult['model'];

/** What the engine reports as it works, for metrics; implementations must not throw. */
export interface EngineObserver {
  /** A batch came back from a worker. */
  batch(report: { model: ModelRef; texts: string[]; outputs: string[]; computeSeconds: number }): void;
  /** A request was answered; `segments` are its normalised segments, cached ones included. */
  translated(report: { source: string; target: string; segments: string[]; result: TranslateResult }): void;
}

export interface EngineOptions {
  catalog: Catalog;
  backend: InferenceBackend;
  settings: EngineSettings;
  observer?: EngineObserver;
  now?: () => number;
  log?: (message: string) => void;
}

type BatchKey = [modelId: string, version: string, source: string, target: string, beams: number];
const parseBatchKey = (key: string) => JSON.parse(key) as BatchKey;

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
  readonly #models: LoadedModels;
  readonly #scheduler: Scheduler;
  readonly #cache: TranslationCache<SegmentResult>;
  readonly #now: () => number;
  /** Requests being answered, so that stop() can fail them. */
  readonly #requests = new Set<AbortController>();
  #stopped = false;
  /** Loaded at start: the configured models, or the manifest's default. */
  readonly preloadedModels: readonly string[];

  constructor(private readonly options: EngineOptions) {
    const { catalog, backend, settings, observer } = options;
    this.#now = options.now ?? (() => performance.now());
    const preferred = settings.models.length > 0 ? settings.models : catalog.defaultModel ? [catalog.defaultModel] : [];
    this.preloadedModels = preferred;
    this.#models = new LoadedModels(catalog, backend, new MemoryBudget(settings.memoryBudgetBytes), { preferred, log: options.log });
    this.#cache = new TranslationCache(settings.cacheSize);
    this.#scheduler = new Scheduler({
      maxQueued: settings.queueSize,
      maxInFlight: backend.size * (backend.jobsPerWorker ?? 1),
      // A beam search takes `beams` of a decoder's sequences; counted at the default width.
      ...(settings.decoding?.mode === 'continuous' && {
        maxInFlightSegments: backend.size * Math.max(1, Math.floor(settings.decoding.maxSequences / settings.decoding.beams)),
      }),
      now: this.#now,
      policyFor: (key) => ({ ...settings.batching, ...settings.modelBatching[parseBatchKey(key)[0]] }),
      execute: async (key, texts, signal) => {
        const [modelId, , source, target, beams] = parseBatchKey(key);
        const release = this.#models.hold(modelId);
        try {
          return await backend.translate({ ...this.#models.job(modelId, source, target, texts), ...(beams > 1 && { beams }) }, signal);
        } finally {
          release();
        }
      },
      onBatch: (key, texts, outputs, computeMs) => {
        const [id, version] = parseBatchKey(key);
        observer?.batch({ model: { id, version }, texts, outputs, computeSeconds: computeMs / 1000 });
      },
    });
  }

  /** Starts loading the configured models. */
  start(): void {
    this.#models.preload();
  }

  /** Fails the requests still waiting (503, retry elsewhere), refuses new ones and stops the workers. */
  stop(): Promise<void> {
    this.#stopped = true;
    for (const controller of this.#requests) controller.abort(shuttingDown());
    return this.options.backend.stop();
  }

  async translate(request: TranslateRequest): Promise<TranslateResult> {
    if (this.#stopped) throw shuttingDown();
    const started = this.#now();
    const deadlineMs = Math.min(request.deadlineMs ?? this.options.settings.deadlineMs, this.options.settings.deadlineMs);
    const controller = new AbortController();
    this.#requests.add(controller);
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
      this.#requests.delete(controller);
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onClientGone);
    }
  }

  models(): ModelInfo[] {
    return this.#models.list();
  }

  /** The manifest's entry for a server translation model, with its version (the digest of its files). */
  catalogModel(modelId: string): CatalogModel | undefined {
    return this.options.catalog.models.find((model) => model.entry.id === modelId);
  }

  /** Loads and warms up a model; see LoadedModels.load. */
  async load(modelId: string): Promise<void> {
    await this.#models.load(modelId);
  }

  unload(modelId: string): Promise<boolean> {
    return this.#models.unload(modelId);
  }

  languages(): LanguageInfo[] {
    return this.#models.languages();
  }

  stats(): EngineStats {
    return { cache: this.#cache.stats(), queue: this.#scheduler.stats(), workers: this.options.backend.stats() };
  }

  async #translate(request: TranslateRequest, signal: AbortSignal, started: number): Promise<TranslateResult> {
    const { source, target } = request;
    const beams = this.#beamWidth(request);
    const model = this.#models.resolve(request.model, source, target);
    const lease = await this.#acquire(model, signal);
    try {
      const scope = { modelId: model.entry.id, version: model.version, precision: lease.loaded.precision, source, target, beams };
      const texts = request.segments.map(normalizeSegment);
      const keys = texts.map((text) => cacheKey(scope, text));
      const alternatives = beams > 1 ? (request.alternatives ?? 0) : 0;
      // The cache keeps best translations only: a request for alternatives computes its segments (or shares them in flight).
      const hits = texts.map((text, i) => (text === '' ? '' : alternatives > 0 ? undefined : this.#cache.get(keys[i]!)));
      this.#scheduler.admit(new Set(keys.filter((key, i) => hits[i] === undefined && !this.#cache.isInFlight(key))).size);
      const batchKey = JSON.stringify([model.entry.id, model.version, source, target, beams] satisfies BatchKey);
      const results = await Promise.all(
        texts.map((text, i) => {
          const hit = hits[i];
          if (hit !== undefined) return { text: hit, queuedMs: 0, computeMs: 0, chargedMs: 0, alternatives: [] };
          return this.#compute(keys[i]!, batchKey, text, signal);
        }),
      );
      const result: TranslateResult = {
        translations: results.map((segment) => segment.text),
        model: { id: model.entry.id, version: model.version },
        timings: {
          queuedMs: Math.round(Math.max(0, ...results.map((segment) => segment.queuedMs))),
          computeMs: Math.round(Math.max(0, ...results.map((segment) => segment.computeMs))),
          totalMs: Math.round(this.#now() - started),
        },
        cached: hits.filter((hit, i) => hit !== undefined && texts[i] !== '').length,
        computeSeconds: results.reduce((sum, segment) => sum + segment.chargedMs, 0) / 1000,
        ...(alternatives > 0 && { alternatives: results.map((segment) => (segment.alternatives ?? []).slice(0, alternatives)) }),
      };
      this.options.observer?.translated({ source, target, segments: texts, result });
      return result;
    } finally {
      lease.release();
    }
  }

  /**
   * The beam width a request decodes with: its own, else the server's, widened to give the alternatives it
   * asks for (up to the contract's maxBeams). The pipeline decoder searches greedily: it refuses a wider beam
   * and gives no alternatives.
   */
  #beamWidth(request: TranslateRequest): number {
    const decoding = this.options.settings.decoding;
    if (decoding?.mode !== 'continuous') {
      if ((request.beams ?? 1) === 1) return 1;
      throw new TranslationError('unsupported-option', `This server decodes greedily (SOTTO_DECODER=pipeline), so beams must be 1, not ${request.beams}.`);
    }
    return Math.min(maxBeams, Math.max(request.beams ?? decoding.beams, (request.alternatives ?? 0) + 1));
  }

  /**
   * One segment through the in-flight deduplication and the queue. Its batch's compute time is split evenly
   * among the batch's segments; a segment that joined another request's computation costs this request nothing.
   */
  async #compute(key: string, batchKey: string, text: string, signal: AbortSignal) {
    let started = false;
    const result = await this.#cache.share(key, signal, (shared) => {
      started = true;
      return this.#scheduler.submit(batchKey, text, shared);
    });
    return { ...result, chargedMs: started ? result.computeMs / result.batchSize : 0 };
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
  options: { log?: (message: string) => void; spawn?: SpawnWorker; observer?: EngineObserver } = {},
): Promise<TranslationEngine> {
  const catalog = await loadCatalog(modelsDir);
  const pool = new InferencePool({
    size: settings.workers,
    init: { modelsDir, providers: settings.providers, precision: settings.precision, threads: settings.threads, decoding: settings.decoding },
    // A continuous decoder admits batches between its steps, up to its sequence limit; the rest wait in the engine's queue.
    jobsPerWorker: settings.decoding.mode === 'continuous' ? settings.decoding.maxSequences : 1,
    spawn: options.spawn ?? (settings.isolation === 'process' ? spawnInferenceProcess : spawnInferenceThread),
    log: options.log,
  });
  pool.start();
  const engine = new TranslationEngine({ catalog, backend: pool, settings, observer: options.observer, log: options.log });
  engine.start();
  return engine;
}
