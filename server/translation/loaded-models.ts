import { modelLanguageCode, supportsDirection, type Precision } from '../../contract/manifest-schema.ts';
import { TranslationError } from './errors.ts';
import type { MemoryBudget } from './memory-budget.ts';
import type { Catalog, CatalogModel } from './model-catalog.ts';
import type { PoolStats } from './inference-pool.ts';
import type { Provider } from './providers.ts';
import type { LoadSpec, Loaded, ModelLanguages, TranslateJob, Translations } from './worker-protocol.ts';

/** What the engine needs of the inference workers (the InferencePool; a fake in tests). */
export interface InferenceBackend {
  readonly size: number;
  /** Batches one worker takes at once (absent: 1). */
  readonly jobsPerWorker?: number;
  load(spec: LoadSpec): Promise<Loaded>;
  unload(modelId: string): Promise<void>;
  /** Aborting `signal` (every segment of the batch gave up) may stop the batch mid-decode. */
  translate(job: TranslateJob, signal?: AbortSignal): Promise<Translations>;
  stats(): PoolStats;
  stop(): Promise<void>;
}

export type ModelStatus = 'missing' | 'unloaded' | 'loading' | 'ready' | 'failed';

export interface ModelInfo {
  id: string;
  version: string;
  architecture: CatalogModel['entry']['architecture'];
  languages: string[];
  /** As the manifest says it: a list, or 'any-to-any' among `languages` (18,090 pairs for NLLB's 135 languages, written out). */
  directions: CatalogModel['entry']['directions'];
  status: ModelStatus;
  provider?: Provider;
  precision?: Precision;
  /** Estimated memory over all workers, while loaded. */
  memoryBytes?: number;
  error?: string;
}

export interface LanguageInfo {
  code: string;
  targets: string[];
}

export interface Lease {
  loaded: Loaded;
  release(): void;
}

interface ModelState {
  status: ModelStatus;
  loading?: Promise<Loaded>;
  loaded?: Loaded;
  error?: string;
  failedAt?: number;
  /** Requests and batches using the model: it is not unloaded while any hold it. */
  leases: number;
}

export interface LoadedModelsOptions {
  /** Models to load at start, and the order in which to pick one when a request names none. */
  preferred: string[];
  now?: () => number;
  log?: (message: string) => void;
}

// A failed load is not retried for every request that wants the model: a broken model would otherwise be reloaded in a loop.
const retryFailedAfterMs = 30_000;

/** Which translation models are loaded: picks one per request, loads on demand within the memory budget, unloads the least recently used. */
export class LoadedModels {
  readonly #models: Map<string, CatalogModel>;
  readonly #ordered: CatalogModel[];
  readonly #states = new Map<string, ModelState>();
  readonly #now: () => number;

  constructor(
    catalog: Catalog,
    private readonly backend: InferenceBackend,
    private readonly budget: MemoryBudget,
    private readonly options: LoadedModelsOptions,
  ) {
    this.#models = new Map(catalog.models.map((model) => [model.entry.id, model]));
    const rank = (model: CatalogModel) => {
      const index = options.preferred.indexOf(model.entry.id);
      return index === -1 ? options.preferred.length : index;
    };
    this.#ordered = [...catalog.models].sort((a, b) => rank(a) - rank(b));
    for (const model of catalog.models) {
      this.#states.set(model.entry.id, { status: Object.keys(model.onDisk).length > 0 ? 'unloaded' : 'missing', leases: 0 });
    }
    this.#now = options.now ?? Date.now;
  }

  /** Starts loading the preferred models; failures are logged and shown in list(). */
  preload(): void {
    for (const id of this.options.preferred) {
      const model = this.#models.get(id);
      if (!model) {
        this.#log(`Translation model ${id} is not a server translation model in the manifest; not loading it.`);
        continue;
      }
      // A failed load logs itself; a refusal (not on disk, over the budget) is logged here.
      this.#ensureLoaded(model).catch((err: Error) => {
        if (this.#states.get(id)!.status !== 'failed') this.#log(err.message);
      });
    }
  }

  /** The model for a request: the one named, or the first preferred model that translates the direction. */
  resolve(modelId: string | undefined, source: string, target: string): CatalogModel {
    if (source === target) throw new TranslationError('unsupported-direction', `Source and target are both "${source}".`);
    if (modelId !== undefined) {
      const model = this.#models.get(modelId);
      if (!model) throw new TranslationError('unknown-model', `There is no server translation model "${modelId}"; GET /v1/models lists them.`);
      if (!supportsDirection(model.entry, source, target)) {
        throw new TranslationError('unsupported-direction', `Model ${modelId} does not translate ${source} → ${target}.`);
      }
      return model;
    }
    for (const code of [source, target]) {
      if (!this.#ordered.some((model) => model.entry.languages.includes(code))) {
        throw new TranslationError('unknown-language', `No translation model knows the language "${code}".`);
      }
    }
    const candidates = this.#ordered.filter((model) => supportsDirection(model.entry, source, target));
    if (candidates.length === 0) throw new TranslationError('unsupported-direction', `No translation model translates ${source} → ${target}.`);
    return candidates.find((model) => this.#usable(model.entry.id)) ?? candidates[0]!;
  }

  /** Waits until the model is loaded (loading it if needed) and holds it loaded until release(). */
  async acquire(model: CatalogModel): Promise<Lease> {
    // Held while waiting too, so that no other request unloads it between its load and this request's turn.
    const release = this.#hold(model.entry.id);
    try {
      const loaded = await this.#ensureLoaded(model);
      this.budget.touch(model.entry.id);
      return { loaded, release };
    } catch (err) {
      release();
      throw err;
    }
  }

  /** Loads and warms up a model (the worker translates a warm-up batch) before it takes traffic. */
  async load(modelId: string): Promise<Loaded> {
    const model = this.#models.get(modelId);
    if (!model) throw new TranslationError('unknown-model', `There is no server translation model "${modelId}".`);
    return this.#ensureLoaded(model);
  }

  /** Unloads a model nothing holds; false when a request or batch still does (it stays until evicted). */
  async unload(modelId: string): Promise<boolean> {
    const state = this.#states.get(modelId);
    if (state?.status !== 'ready' || state.leases > 0) return false;
    Object.assign(state, { status: 'unloaded', loaded: undefined });
    this.budget.release(modelId);
    await this.backend.unload(modelId);
    this.#log(`Unloaded translation model ${modelId}.`);
    return true;
  }

  /** Holds a model that is already loaded (for a batch of a request that holds it); returns the release. */
  hold(modelId: string): () => void {
    return this.#hold(modelId);
  }

  job(modelId: string, source: string, target: string, texts: string[]): TranslateJob {
    return { modelId, texts, ...this.#languages(this.#models.get(modelId)!, source, target) };
  }

  list(): ModelInfo[] {
    return this.#ordered.map((model) => {
      const state = this.#states.get(model.entry.id)!;
      const loaded = state.status === 'ready' ? state.loaded : undefined;
      return {
        id: model.entry.id,
        version: model.version,
        architecture: model.entry.architecture,
        languages: model.entry.languages,
        directions: model.entry.directions,
        status: state.status,
        ...(loaded && { provider: loaded.provider, precision: loaded.precision, memoryBytes: this.#bytes(model, loaded.precision) }),
        ...(state.status === 'failed' && { error: state.error }),
      };
    });
  }

  /** Every language of a model that is on disk, with the languages it translates into. */
  languages(): LanguageInfo[] {
    const targets = new Map<string, Set<string>>();
    for (const model of this.#ordered) {
      if (this.#states.get(model.entry.id)!.status === 'missing') continue;
      for (const code of model.entry.languages) if (!targets.has(code)) targets.set(code, new Set());
      for (const { source, target } of model.directions) targets.get(source)!.add(target);
    }
    return [...targets].map(([code, set]) => ({ code, targets: [...set].sort() })).sort((a, b) => a.code.localeCompare(b.code));
  }

  #usable(id: string): boolean {
    const state = this.#states.get(id)!;
    return state.status !== 'missing' && !(state.status === 'failed' && this.#inRetryWait(state));
  }

  #inRetryWait(state: ModelState): boolean {
    return this.#now() - (state.failedAt ?? 0) < retryFailedAfterMs;
  }

  #hold(modelId: string): () => void {
    const state = this.#states.get(modelId)!;
    state.leases += 1;
    let held = true;
    return () => {
      if (held) state.leases -= 1;
      held = false;
    };
  }

  #ensureLoaded(model: CatalogModel): Promise<Loaded> {
    const id = model.entry.id;
    const state = this.#states.get(id)!;
    if (state.status === 'ready') return Promise.resolve(state.loaded!);
    if (state.status === 'loading') return state.loading!;
    if (state.status === 'missing') {
      return Promise.reject(
        new TranslationError('model-unavailable', `Model ${id} is not on disk; fetch it with \`npm run models:fetch\` or generate it.`),
      );
    }
    if (state.status === 'failed' && this.#inRetryWait(state)) {
      const retryAfterSeconds = Math.ceil((retryFailedAfterMs - (this.#now() - state.failedAt!)) / 1000);
      return Promise.reject(new TranslationError('model-unavailable', `Model ${id} failed to load: ${state.error}`, retryAfterSeconds));
    }
    const worstCase = Math.max(...Object.values(model.onDisk)) * this.backend.size;
    let evicted: string[];
    try {
      evicted = this.budget.reserve(id, worstCase, (other) => {
        const otherState = this.#states.get(other)!;
        return otherState.status === 'ready' && otherState.leases === 0;
      });
    } catch (err) {
      return Promise.reject(err);
    }
    state.status = 'loading';
    state.loading = this.#load(model, state, evicted);
    return state.loading;
  }

  async #load(model: CatalogModel, state: ModelState, evicted: string[]): Promise<Loaded> {
    const id = model.entry.id;
    try {
      for (const other of evicted) {
        Object.assign(this.#states.get(other)!, { status: 'unloaded', loaded: undefined });
        this.#log(`Unloading translation model ${other} to make room for ${id} within the memory budget.`);
      }
      await Promise.all(evicted.map((other) => this.backend.unload(other)));
      const [first] = model.directions;
      const loaded = await this.backend.load({
        modelId: id,
        precisions: Object.keys(model.onDisk) as Precision[],
        warmUp: first ? this.#languages(model, first.source, first.target) : {},
      });
      Object.assign(state, { status: 'ready', loaded, error: undefined });
      this.budget.resize(id, this.#bytes(model, loaded.precision));
      const fellBack = loaded.failures.map((failure) => `${failure.provider} failed: ${failure.message}`).join('; ');
      this.#log(`Loaded translation model ${id} on ${loaded.provider} (${loaded.precision}) in ${loaded.loadMs} ms${fellBack ? ` (${fellBack})` : ''}.`);
      return loaded;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.budget.release(id);
      Object.assign(state, { status: 'failed', loaded: undefined, error: message, failedAt: this.#now() });
      this.#log(`Could not load translation model ${id}: ${message}`);
      throw new TranslationError('model-unavailable', `Model ${id} could not be loaded: ${message}`);
    }
  }

  #languages(model: CatalogModel, source: string, target: string): ModelLanguages {
    if (!model.entry.languageCodes) return {};
    return { srcLang: modelLanguageCode(model.entry, source), tgtLang: modelLanguageCode(model.entry, target) };
  }

  #bytes(model: CatalogModel, precision: Precision): number {
    return (model.onDisk[precision] ?? 0) * this.backend.size;
  }

  #log(message: string): void {
    (this.options.log ?? console.log)(`[sotto] ${message}`);
  }
}
