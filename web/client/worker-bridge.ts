import * as Comlink from 'comlink';
import { AbortError } from '../shared/abort-error.ts';

export { AbortError } from '../shared/abort-error.ts';

const DEFAULT_IDLE_MS = 5 * 60_000;

/** Readies a fresh worker, e.g. by loading its model; what it resolves to is handed to every call. */
export type PrepareStep<Api, Prepared> = (api: Comlink.Remote<Api>) => Promise<Prepared>;

export interface WorkerBridgeOptions<Api, Prepared> {
  createWorker: () => Worker;
  /** Terminates the worker after this long without work (it comes back on the next call). */
  idleMs?: number;
  /** The preparation, where it is known up front; otherwise set it with prepare(). */
  prepare?: PrepareStep<Api, Prepared>;
  /** The error message for a call made before any preparation was set. */
  notPrepared?: string;
}

/**
 * The page's one handle on a worker: starts it lazily, prepares it (a model load), terminates it on
 * abort (the only way to stop a running ORT computation) and after a while without work, and brings
 * it back, preparation included, on the next call.
 */
export class WorkerBridge<Api, Prepared = void> {
  private worker: Worker | undefined;
  private api: Comlink.Remote<Api> | undefined;
  private step: PrepareStep<Api, Prepared> | undefined;
  private preparing: Promise<Prepared> | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private busy = 0;
  private holds = 0;
  private readonly createWorker: () => Worker;
  private readonly idleMs: number;
  private readonly notPrepared: string;

  constructor(options: WorkerBridgeOptions<Api, Prepared>) {
    this.createWorker = options.createWorker;
    this.idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
    this.step = options.prepare;
    this.notPrepared = options.notPrepared ?? 'The worker has nothing to prepare it';
  }

  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Sets how a fresh worker is readied and readies the current one with it; it runs again after every restart. */
  prepare(step: PrepareStep<Api, Prepared>, signal?: AbortSignal): Promise<Prepared> {
    this.step = step;
    this.preparing = undefined;
    return this.call((_api, prepared) => prepared, signal);
  }

  /** Runs `work` on the prepared worker, starting and preparing one first where needed. */
  async call<T>(work: (api: Comlink.Remote<Api>, prepared: Prepared) => Promise<T> | T, signal?: AbortSignal): Promise<T> {
    this.busy += 1;
    clearTimeout(this.idleTimer);
    try {
      const prepared = await this.ready(signal);
      return await this.guard(Promise.resolve(work(this.api!, prepared)), signal);
    } finally {
      this.busy -= 1;
      this.scheduleIdle();
    }
  }

  /** Keeps the worker from idling out between calls, e.g. while a stream is open, until release() or terminate(). */
  hold(): void {
    this.holds += 1;
    clearTimeout(this.idleTimer);
  }

  release(): void {
    this.holds = Math.max(0, this.holds - 1);
    this.scheduleIdle();
  }

  /** Fire-and-forget work on the running worker while it is held; dropped otherwise (e.g. audio after a cancel). */
  post(work: (api: Comlink.Remote<Api>) => unknown): void {
    if (this.api && this.holds > 0) void work(this.api);
  }

  terminate(): void {
    this.worker?.terminate();
    this.api?.[Comlink.releaseProxy]();
    this.worker = undefined;
    this.api = undefined;
    this.preparing = undefined;
    this.holds = 0;
    clearTimeout(this.idleTimer);
  }

  private ready(signal?: AbortSignal): Promise<Prepared> {
    const step = this.step;
    if (!step) return Promise.reject(new Error(this.notPrepared));
    if (!this.worker) {
      this.worker = this.createWorker();
      this.api = Comlink.wrap<Api>(this.worker);
    }
    const worker = this.worker;
    this.preparing ??= step(this.api!).catch((error: unknown) => {
      // A failed preparation leaves the worker in an unknown state; an older worker's failure must not end a newer one.
      if (this.worker === worker) this.terminate();
      throw error;
    });
    return this.guard(this.preparing, signal);
  }

  private guard<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
    if (!signal) return work;
    if (signal.aborted) {
      this.terminate();
      return Promise.reject(new AbortError());
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        this.terminate();
        reject(new AbortError());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  private scheduleIdle(): void {
    clearTimeout(this.idleTimer);
    if (this.busy > 0 || this.holds > 0 || !this.worker) return;
    this.idleTimer = setTimeout(() => this.terminate(), this.idleMs);
  }
}
