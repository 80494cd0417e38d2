import type { DetectedLanguage } from './language-detection.ts';
import type { PlacementMode, Reasons } from './placement-policy.ts';

/** The contract between the speech-translation pipeline, the UI and saved sessions. */

export type StageName = 'asr' | 'translation';

/** Where one run of a stage happened, and why. */
export interface StageRun {
  stage: StageName;
  placement: 'device' | 'server';
  /** Human label of the engine: "WebGPU", "WebAssembly", "server CPU", "server GPU". */
  backend: string;
  reasons: Reasons;
  /** Wall time of this run in milliseconds. */
  ms: number;
}

/** Where a stage runs now, and why: a StageRun before it has run. */
export type StagePlacement = Omit<StageRun, 'ms'>;

/** A final ASR segment: what the translation pipeline takes in. */
export interface FinalSegment {
  segmentId: number;
  text: string;
  startSeconds: number;
  endSeconds: number;
  asrRun?: StageRun;
  /** Set when the source language is detected: the segment is translated from this language. */
  detectedLanguage?: DetectedLanguage;
}

export interface TranslatedSegment {
  segmentId: number;
  startSeconds: number;
  endSeconds: number;
  sourceText: string;
  detectedLanguage?: DetectedLanguage;
  translation?: string;
  asrRun?: StageRun;
  translationRun?: StageRun;
  status: 'pending' | 'done' | 'failed';
  error?: string;
}

/** Bytes that stayed on the device versus bytes that crossed the network, measured from real traffic. */
export interface DataLedger {
  audioBytesCaptured: number;
  /** Always 0: no code path sends audio; the e2e tests check it against the browser's network log. */
  audioBytesSent: number;
  transcriptBytesSent: number;
  translationBytesReceived: number;
  translationRequests: number;
  /** Server inference time billed for this session's translations, and its price, as the server answered. */
  serverComputeSeconds: number;
  serverPrice: number;
  /** ISO 4217 code of serverPrice; '' until the server named one. */
  serverCurrency: string;
}

export interface SessionSettings {
  /** A language code, or DETECT_LANGUAGE. */
  sourceLanguage: string;
  targetLanguage: string;
  mode: PlacementMode;
}

export interface SessionRecord extends SessionSettings {
  id: string;
  createdAt: number;
  updatedAt: number;
  title: string;
  segments: TranslatedSegment[];
  ledger: DataLedger;
}

export const EMPTY_LEDGER: DataLedger = {
  audioBytesCaptured: 0,
  audioBytesSent: 0,
  transcriptBytesSent: 0,
  translationBytesReceived: 0,
  translationRequests: 0,
  serverComputeSeconds: 0,
  serverPrice: 0,
  serverCurrency: '',
};
