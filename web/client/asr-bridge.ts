import * as Comlink from 'comlink';
import type { AsrWorkerApi, LoadedModel, LoadProgress, LoadRequest, StreamSummary, TranscriptEvent } from '../shared/asr-protocol.ts';

const DEFAULT_IDLE_MS = 5 * 60_000;

export class AbortError extends Error {
  override name = 'AbortError';
  constructor() {
    super('Cancelled');
  }
}

/**
 * The page's one handle on the ASR worker: starts it lazily, loads the model, terminates it on
 * abort (the only way to stop a running ORT computation) and after a while without work, and
 * brings it back, model included, on the next call.
 */
export class AsrBridge {
  private worker: Worker | undefined;
  private api: Comlink.Remote<AsrWorkerApi> | undefined;
  private loading: Promise<LoadedModel> | undefined;
  private lastLoad: { request: LoadRequest; onProgress: (p: LoadProgress) => void } | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private busy = 0;
  private streaming = false;

  constructor(
    private readonly createWorker: () => Worker = () => new Worker(new URL('../worker/asr-worker.ts', import.meta.url), { type: 'module', name: 'asr' }),
    private readonly idleMs = DEFAULT_IDLE_MS,
  ) {}

  get running(): boolean {
    return this.worker !== undefined;
  }

  load(request: LoadRequest, onProgress: (progress: LoadProgress) => void, signal?: AbortSignal): Promise<LoadedModel> {
    this.lastLoad = { request, onProgress };
    this.loading = undefined;
    return this.ready(signal);
  }

  transcribeClip(audio: Float32Array, onEvent: (event: TranscriptEvent) => void, signal?: AbortSignal): Promise<StreamSummary> {
    return this.call(signal, (api) => api.transcribeClip(Comlink.transfer(audio, [audio.buffer]), Comlink.proxy(onEvent)));
  }

  async startStream(onEvent: (event: TranscriptEvent) => void, onError: (message: string) => void, signal?: AbortSignal): Promise<void> {
    this.streaming = true;
    try {
      await this.call(signal, (api) => api.startStream(Comlink.proxy(onEvent), Comlink.proxy(onError)));
    } catch (error) {
      this.streaming = false;
      throw error;
    }
  }

  pushAudio(chunk: Float32Array): void {
    if (!this.api || !this.streaming) return;
    void this.api.pushAudio(Comlink.transfer(chunk, [chunk.buffer]));
  }

  async endStream(signal?: AbortSignal): Promise<StreamSummary> {
    try {
      return await this.call(signal, (api) => api.endStream());
    } finally {
      this.streaming = false;
      this.scheduleIdle();
    }
  }

  terminate(): void {
    this.worker?.terminate();
    this.api?.[Comlink.releaseProxy]();
    this.worker = undefined;
    this.api = undefined;
    this.loading = undefined;
    this.streaming = false;
    clearTimeout(this.idleTimer);
  }

  private ready(signal?: AbortSignal): Promise<LoadedModel> {
    if (!this.lastLoad) return Promise.reject(new Error('Load a model first'));
    if (!this.worker) {
      this.worker = this.createWorker();
      this.api = Comlink.wrap<AsrWorkerApi>(this.worker);
    }
    const { request, onProgress } = this.lastLoad;
    const api = this.api!;
    this.loading ??= api.load(request, Comlink.proxy(onProgress)).catch((error: unknown) => {
      this.terminate();
      throw error;
    });
    return this.guard(this.loading, signal);
  }

  private async call<T>(signal: AbortSignal | undefined, work: (api: Comlink.Remote<AsrWorkerApi>) => Promise<T> | T): Promise<T> {
    this.busy += 1;
    clearTimeout(this.idleTimer);
    try {
      await this.ready(signal);
      return await this.guard(Promise.resolve(work(this.api!)), signal);
    } finally {
      this.busy -= 1;
      this.scheduleIdle();
    }
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
    if (this.busy > 0 || this.streaming || !this.worker) return;
    this.idleTimer = setTimeout(() => this.terminate(), this.idleMs);
  }
}
