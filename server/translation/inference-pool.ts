import { TranslationError } from './errors.ts';
import type { SpawnWorker, WorkerHandle } from './worker-hosts.ts';
import type { FromWorker, LoadSpec, Loaded, ToWorker, TranslateJob, Translations, WorkerInit } from './worker-protocol.ts';

export interface PoolOptions {
  size: number;
  init: WorkerInit;
  spawn: SpawnWorker;
  /** Jobs one worker takes at once: 1 for batch-at-a-time decoding, more for a continuous decoder that admits them between steps. */
  jobsPerWorker?: number;
  log?: (message: string) => void;
}

// How long a worker asked to exit may take to finish its current session run before it is terminated.
const exitGraceMs = 2000;

export interface PoolStats {
  workers: { state: SlotState; busy: boolean; models: string[]; pid?: number }[];
  restarts: number;
}

type SlotState = 'starting' | 'ready' | 'respawning' | 'stopped';
type Reply<T extends FromWorker['type']> = Extract<FromWorker, { type: T }>;

interface Slot {
  index: number;
  handle: WorkerHandle | undefined;
  state: SlotState;
  /** Jobs on the worker now. */
  active: number;
  models: Set<string>;
  pending: Map<number, { resolve(reply: FromWorker): void; reject(err: Error): void }>;
  /** Deaths since this slot's worker was last ready; sets the respawn backoff. */
  crashes: number;
  respawnTimer?: ReturnType<typeof setTimeout>;
}

interface Waiter {
  modelId: string;
  resolve(slot: Slot): void;
  reject(err: Error): void;
}

/** The worker died (crash, out of memory, terminated) while this request was on it. */
class WorkerDied extends Error {
  override name = 'WorkerDied';
}

/**
 * Supervises the inference workers: every worker holds every loaded model, takes `jobsPerWorker` batches at a time,
 * and is replaced when it dies; a batch it was running is retried once on another (or the new) worker.
 */
export class InferencePool {
  readonly #slots: Slot[];
  /** Models every worker should hold; a new worker loads them all before taking batches. */
  readonly #specs = new Map<string, LoadSpec>();
  #waiters: Waiter[] = [];
  #nextId = 1;
  #restarts = 0;

  constructor(private readonly options: PoolOptions) {
    this.#slots = Array.from({ length: options.size }, (_, index) => ({
      index,
      handle: undefined,
      state: 'stopped' as const,
      active: 0,
      models: new Set<string>(),
      pending: new Map(),
      crashes: 0,
    }));
  }

  get size(): number {
    return this.#slots.length;
  }

  start(): void {
    for (const slot of this.#slots) this.#spawn(slot);
  }

  async stop(): Promise<void> {
    for (const slot of this.#slots) {
      slot.state = 'stopped';
      clearTimeout(slot.respawnTimer);
    }
    await Promise.all(this.#slots.map((slot) => slot.handle && this.#shutDown(slot.handle)));
    this.#dispatch();
  }

  /** Loads a model on every running worker (and on workers started later); resolves with the first success. */
  async load(spec: LoadSpec): Promise<Loaded> {
    this.#specs.set(spec.modelId, spec);
    const running = this.#slots.filter((slot) => slot.state === 'starting' || slot.state === 'ready');
    const results = await Promise.allSettled(running.map((slot) => this.#loadOn(slot, spec)));
    const loaded = results.find((result) => result.status === 'fulfilled');
    if (loaded) return loaded.value;
    this.#specs.delete(spec.modelId);
    const reasons = new Set(results.map((result) => (result as PromiseRejectedResult).reason.message as string));
    throw new Error([...reasons].join('; ') || 'No inference worker is running.');
  }

  async unload(modelId: string): Promise<void> {
    this.#specs.delete(modelId);
    const holding = this.#slots.filter((slot) => slot.models.delete(modelId));
    await Promise.allSettled(holding.map((slot) => this.#request(slot, (id) => ({ type: 'unload', id, modelId }), 'unloaded')));
  }

  get jobsPerWorker(): number {
    return this.options.jobsPerWorker ?? 1;
  }

  /** Aborting `signal` asks the worker to drop the job's sequences from its decode (continuous decoder). */
  async translate(job: TranslateJob, signal?: AbortSignal): Promise<Translations> {
    try {
      return await this.#translateOnce(job, signal);
    } catch (err) {
      if (!(err instanceof WorkerDied)) throw err;
      this.#log(`A worker died during a batch of ${job.texts.length} (${err.message}); retrying the batch once.`);
    }
    try {
      return await this.#translateOnce(job, signal);
    } catch (err) {
      if (!(err instanceof WorkerDied)) throw err;
      throw new TranslationError('worker-failed', `The inference worker died twice while translating this batch (${err.message}).`);
    }
  }

  stats(): PoolStats {
    return {
      workers: this.#slots.map((slot) => ({
        state: slot.state,
        busy: slot.active > 0,
        models: [...slot.models],
        ...(slot.handle?.pid !== undefined && { pid: slot.handle.pid }),
      })),
      restarts: this.#restarts,
    };
  }

  async #translateOnce(job: TranslateJob, signal?: AbortSignal): Promise<Translations> {
    const slot = await this.#acquire(job.modelId);
    const handle = slot.handle;
    let requestId: number | undefined;
    const cancel = () => {
      if (requestId !== undefined && slot.handle === handle) handle?.postMessage({ type: 'cancel', id: requestId });
    };
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      const reply = this.#request(slot, (id) => {
        requestId = id;
        return { type: 'translate', id, job };
      }, 'translated');
      if (signal?.aborted) cancel();
      const { outputs, alternatives } = await reply;
      return { outputs, ...(alternatives && { alternatives }) };
    } catch (err) {
      if (err instanceof WorkerDied) throw err;
      throw new TranslationError('worker-failed', `Translation failed in the worker: ${(err as Error).message}`);
    } finally {
      signal?.removeEventListener('abort', cancel);
      if (slot.handle === handle) slot.active -= 1;
      this.#dispatch();
    }
  }

  async #loadOn(slot: Slot, spec: LoadSpec): Promise<Loaded> {
    const reply = await this.#request(slot, (id) => ({ type: 'load', id, spec }), 'loaded');
    if (this.#specs.has(spec.modelId)) slot.models.add(spec.modelId);
    return reply.loaded;
  }

  #request<T extends FromWorker['type']>(slot: Slot, message: (id: number) => ToWorker, expected: T): Promise<Reply<T>> {
    const handle = slot.handle;
    if (!handle) return Promise.reject(new WorkerDied('the worker is not running'));
    const id = this.#nextId++;
    return new Promise<Reply<T>>((resolve, reject) => {
      slot.pending.set(id, {
        resolve: (reply) => (reply.type === expected ? resolve(reply as Reply<T>) : reject(new Error(`Expected ${expected}, got ${reply.type}`))),
        reject,
      });
      handle.postMessage(message(id));
    });
  }

  #acquire(modelId: string): Promise<Slot> {
    return new Promise<Slot>((resolve, reject) => {
      this.#waiters.push({ modelId, resolve, reject });
      this.#dispatch();
    });
  }

  /** Hands idle workers to waiting batches; fails those no worker will ever serve. */
  #dispatch(): void {
    this.#waiters = this.#waiters.filter((waiter) => {
      const ready = this.#slots.filter((s) => s.state === 'ready' && s.active < this.jobsPerWorker && s.models.has(waiter.modelId));
      // The least loaded worker, so that continuous decoders share the work.
      const slot = ready.sort((a, b) => a.active - b.active)[0];
      if (slot) {
        slot.active += 1;
        waiter.resolve(slot);
        return false;
      }
      if (this.#mayServe(waiter.modelId)) return true;
      waiter.reject(new TranslationError('model-unavailable', `No inference worker holds model ${waiter.modelId}.`));
      return false;
    });
  }

  #mayServe(modelId: string): boolean {
    return this.#slots.some((slot) =>
      slot.state === 'ready' ? slot.models.has(modelId) : slot.state !== 'stopped' && this.#specs.has(modelId),
    );
  }

  #spawn(slot: Slot): void {
    const handle = this.options.spawn(this.options.init);
    Object.assign(slot, { handle, state: 'starting', active: 0, models: new Set(), pending: new Map() });
    handle.on('message', (reply) => this.#onReply(slot, handle, reply));
    handle.on('error', (err) => this.#onDeath(slot, handle, err.message));
    handle.on('exit', (code, signal) => this.#onDeath(slot, handle, signal ? `killed by ${signal}` : `exit code ${code}`));
    const specs = [...this.#specs.values()];
    void Promise.allSettled(specs.map((spec) => this.#loadOn(slot, spec))).then((results) => {
      if (slot.handle !== handle || slot.state !== 'starting') return;
      results.forEach((result, i) => {
        if (result.status === 'rejected') this.#log(`Worker ${slot.index} could not load ${specs[i]!.modelId}: ${result.reason.message}`);
      });
      slot.state = 'ready';
      slot.crashes = 0;
      this.#dispatch();
    });
  }

  #onReply(slot: Slot, handle: WorkerHandle, reply: FromWorker): void {
    const pending = slot.handle === handle ? slot.pending.get(reply.id) : undefined;
    if (!pending) return;
    slot.pending.delete(reply.id);
    if (reply.type === 'failed') pending.reject(new Error(reply.message));
    else pending.resolve(reply);
  }

  #onDeath(slot: Slot, handle: WorkerHandle, reason: string): void {
    // A crash fires 'error' and then 'exit': handle it once.
    if (slot.handle !== handle) return;
    const pending = [...slot.pending.values()];
    Object.assign(slot, { handle: undefined, active: 0, models: new Set(), pending: new Map() });
    for (const request of pending) request.reject(new WorkerDied(reason));
    if (slot.state !== 'stopped') {
      slot.state = 'respawning';
      slot.crashes += 1;
      this.#restarts += 1;
      // Straight away after a first death; backing off when a worker keeps dying before it is ready.
      const delay = slot.crashes <= 1 ? 0 : Math.min(30_000, 250 * 2 ** (slot.crashes - 2));
      this.#log(`Inference worker ${slot.index} died (${reason}); starting a new one${delay ? ` in ${delay} ms` : ''}.`);
      slot.respawnTimer = setTimeout(() => this.#spawn(slot), delay);
    }
    this.#dispatch();
  }

  /**
   * Asks a worker to exit, which it does between two session runs; terminating a thread in the middle of
   * one aborts the whole process, so terminate() is only the fallback after a grace period.
   */
  async #shutDown(handle: WorkerHandle): Promise<void> {
    const exited = new Promise<void>((resolve) => handle.on('exit', () => resolve()));
    handle.postMessage({ type: 'exit', code: 0 });
    const overdue = setTimeout(() => void handle.terminate(), exitGraceMs);
    await exited;
    clearTimeout(overdue);
  }

  #log(message: string): void {
    (this.options.log ?? console.warn)(`[sotto] ${message}`);
  }
}
