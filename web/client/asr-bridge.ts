import * as Comlink from 'comlink';
import type { AsrWorkerApi, LoadedModel, LoadProgress, LoadRequest, StreamSummary, TranscriptEvent } from '../shared/asr-protocol.ts';
import { WorkerBridge } from './worker-bridge.ts';

export { AbortError } from './worker-bridge.ts';

/** The page's handle on the ASR worker: a WorkerBridge whose preparation is the model load, plus audio streams. */
export class AsrBridge {
  private readonly bridge: WorkerBridge<AsrWorkerApi, LoadedModel>;
  private streaming = false;

  constructor(
    createWorker: () => Worker = () => new Worker(new URL('../worker/asr-worker.ts', import.meta.url), { type: 'module', name: 'asr' }),
    idleMs?: number,
  ) {
    this.bridge = new WorkerBridge({ createWorker, ...(idleMs === undefined ? {} : { idleMs }), notPrepared: 'Load a model first' });
  }

  get running(): boolean {
    return this.bridge.running;
  }

  load(request: LoadRequest, onProgress: (progress: LoadProgress) => void, signal?: AbortSignal): Promise<LoadedModel> {
    return this.bridge.prepare((api) => api.load(request, Comlink.proxy(onProgress)), signal);
  }

  transcribeClip(audio: Float32Array, onEvent: (event: TranscriptEvent) => void, signal?: AbortSignal): Promise<StreamSummary> {
    return this.bridge.call((api) => api.transcribeClip(Comlink.transfer(audio, [audio.buffer]), Comlink.proxy(onEvent)), signal);
  }

  async startStream(onEvent: (event: TranscriptEvent) => void, onError: (message: string) => void, signal?: AbortSignal): Promise<void> {
    this.closeStream();
    this.bridge.hold();
    this.streaming = true;
    try {
      await this.bridge.call((api) => api.startStream(Comlink.proxy(onEvent), Comlink.proxy(onError)), signal);
    } catch (error) {
      this.closeStream();
      throw error;
    }
  }

  pushAudio(chunk: Float32Array): void {
    this.bridge.post((api) => api.pushAudio(Comlink.transfer(chunk, [chunk.buffer])));
  }

  async endStream(signal?: AbortSignal): Promise<StreamSummary> {
    try {
      return await this.bridge.call((api) => api.endStream(), signal);
    } finally {
      this.closeStream();
    }
  }

  terminate(): void {
    this.streaming = false;
    this.bridge.terminate();
  }

  /** Releases the stream's hold once, however the stream ends (ended, failed or ended twice). */
  private closeStream(): void {
    if (!this.streaming) return;
    this.streaming = false;
    this.bridge.release();
  }
}
