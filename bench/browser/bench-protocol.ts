import type { Precision } from '../../contract/manifest-schema.ts';
import type { AsrBackend, LoadRequest } from '../../web/shared/asr-protocol.ts';

/** What the Node driver (bench/asr.ts) and the bench page exchange through page.evaluate. */

/**
 * Our code (AsrBridge → ASR worker), fed as a live stream (startStream/pushAudio/endStream) or as an
 * opened file (transcribeClip); or whisper-web's way of calling a plain transformers.js pipeline.
 */
export type Engine = { kind: 'sotto'; backend: AsrBackend; threads?: number; input: 'stream' | 'file'; /** Default 'en'; DETECT_LANGUAGE detects it. */ language?: string } | { kind: 'plain-pipeline' };

/** The model as the app's load request names it; `availablePrecisions` only lists the variants present on disk. */
export type ModelTarget = Pick<LoadRequest, 'modelId' | 'availablePrecisions' | 'files'>;

export interface LoadSpec extends ModelTarget {
  engine: Engine;
  /** The app's live model for a streamed configuration (LoadRequest.live). */
  live?: ModelTarget;
}

export interface LoadResult {
  backend: string;
  precision: Precision;
  threads: number;
  /** Page side, from asking to load until ready: worker start, downloads, sessions, warm-up. */
  loadSeconds: number;
  fallbackReason?: string;
}

export interface RunSpec {
  clip: string;
  /** The WAV file's bytes, decoded in the page by the app's file decoder. */
  wavBase64: string;
  /** Streaming: audio is pushed in chunks of this length… */
  chunkMs: number;
  /** …at this multiple of real time (1 = as a microphone delivers it). */
  speed: number;
}

export interface RunResult {
  audioSeconds: number;
  /** From the first audio chunk (a whole clip: from handing it over) to the complete transcript. */
  wallSeconds: number;
  /** Recognition time of final segments only: what transcribing the audio costs. */
  finalComputeSeconds: number;
  /** Recognition time of partials and finals. */
  computeSeconds: number;
  /** From the first audio chunk to the first partial; null where none comes (whole clips get finals only). */
  firstPartialSeconds: number | null;
  firstFinalSeconds: number | null;
  /** From the last audio chunk to the complete transcript. */
  afterAudioSeconds: number;
  partials: number;
  finals: number;
  text: string;
  /** The first voiced frame (the app's segmenter), in seconds of audio; null where it finds none. */
  speechOnsetSeconds: number | null;
  /** From the speech onset (at the feeding pace) to the first text on screen. */
  firstTextAfterOnsetSeconds: number | null;
  /** Per word of the final transcript: from the end of its audio to its first appearance (see wordEmissionLatencies). */
  wordEmissionSeconds: number[];
}

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  features: string[];
}

export interface BenchPageApi {
  load(spec: LoadSpec): Promise<LoadResult>;
  run(spec: RunSpec): Promise<RunResult>;
  webgpuAdapter(): Promise<AdapterInfo | null>;
}

/** The baseline's worker (worker/plain-pipeline-worker.ts), through comlink. */
export interface PlainPipelineApi {
  load(modelId: string): Promise<{ precision: Precision; threads: number }>;
  transcribe(audio: Float32Array): Promise<{ text: string; computeSeconds: number }>;
}

/** The page exposes its API on globalThis under this name. */
export const BENCH_GLOBAL = 'sottoBench';
