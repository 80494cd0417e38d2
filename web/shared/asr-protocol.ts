import type { Precision } from '../../contract/manifest-schema.ts';
import type { DetectedLanguage } from './language-detection.ts';
import type { ModelFileRef } from './model-storage.ts';

/** The typed contract between the page and the ASR worker (exposed through comlink). */

export type AsrBackend = 'webgpu' | 'wasm';

export interface LoadRequest {
  modelId: string;
  /** 'auto' picks WebGPU where an adapter exists, else WASM. */
  backend: AsrBackend | 'auto';
  /** The precisions the manifest offers for this model. */
  availablePrecisions: Precision[];
  /** Each precision's files, which the worker downloads into the models cache before it opens the model. */
  files: Partial<Record<Precision, ModelFileRef[]>>;
  /** The spoken language, or DETECT_LANGUAGE to detect it per segment among detectionCandidates. */
  language?: string;
  /** The languages detection may pick (default: every language the model knows). */
  detectionCandidates?: string[];
  /** WASM threads; defaults to what the machine offers. */
  threads?: number;
  /** A second model for live speech (partials and finals while recording), e.g. Moonshine, which encodes only the audio there is. */
  live?: LiveModelRequest;
}

export type LiveModelRequest = Pick<LoadRequest, 'modelId' | 'availablePrecisions' | 'files'>;

export interface LoadProgress {
  file: string;
  loadedBytes: number;
  totalBytes: number;
  done: boolean;
}

export interface LoadedModel {
  modelId: string;
  backend: AsrBackend;
  precision: Precision;
  threads: number;
  loadSeconds: number;
  /** Why the backend differs from the one asked for, e.g. a WebGPU failure. */
  fallbackReason?: string;
  /** The model that recognises live speech, when it is not modelId. */
  liveModelId?: string;
}

export interface TranscriptEvent {
  type: 'partial' | 'final';
  segmentId: number;
  text: string;
  /** Of a partial: the words at its start that two consecutive partials agreed on, which later partials keep. */
  committedText?: string;
  startSeconds: number;
  endSeconds: number;
  /** Seconds of the segment's start that repeat the previous segment (after a forced cut). */
  overlapSeconds: number;
  /** Compute time over audio time for this recognition. */
  realTimeFactor: number;
  /** The language the model heard, when it was asked to detect it. */
  detectedLanguage?: DetectedLanguage;
}

/** One recognition of a stretch of audio. */
export interface Recognition {
  text: string;
  /** Set when the language was detected rather than given. */
  detectedLanguage?: DetectedLanguage;
}

export interface StreamSummary {
  audioSeconds: number;
  computeSeconds: number;
  segments: number;
}

/** Callbacks cross the worker boundary through comlink, so the worker may await their delivery. */
export type TranscriptListener = (event: TranscriptEvent) => void | Promise<unknown>;

export interface AsrWorkerApi {
  load(request: LoadRequest, onProgress: (progress: LoadProgress) => void): Promise<LoadedModel>;
  /** Starts a stream; events arrive through the callback while audio is pushed, recognition errors through onError. */
  startStream(onEvent: TranscriptListener, onError: (message: string) => void): void;
  pushAudio(chunk: Float32Array): void;
  /** Flushes the open segment and resolves once every final segment is recognised. */
  endStream(): Promise<StreamSummary>;
  /** A whole clip (an opened file): streamed through the same segmentation. */
  transcribeClip(audio: Float32Array, onEvent: TranscriptListener): Promise<StreamSummary>;
}
