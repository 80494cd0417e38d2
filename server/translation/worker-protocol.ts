import type { Precision } from '../../contract/manifest-schema.ts';
import type { Provider, ProviderFailure, Threads } from './providers.ts';
import type { DecodingSettings } from './settings.ts';

/** Fixed for a worker's life; passed as workerData. */
export interface WorkerInit {
  modelsDir: string;
  providers: Provider[];
  precision: Precision | 'auto';
  threads: Threads;
  decoding: DecodingSettings;
}

/** Language codes as the model wants them (e.g. NLLB's eng_Latn); absent for single-direction models. */
export interface ModelLanguages {
  srcLang?: string;
  tgtLang?: string;
}

export interface LoadSpec {
  modelId: string;
  /** The variants whose files are on disk. */
  precisions: Precision[];
  /** A direction the model supports, for the warm-up translation. */
  warmUp: ModelLanguages;
}

export interface Loaded {
  provider: Provider;
  precision: Precision;
  failures: ProviderFailure[];
  loadMs: number;
}

export interface TranslateJob extends ModelLanguages {
  modelId: string;
  texts: string[];
  /** Beam width, when not 1 (continuous decoder only). */
  beams?: number;
}

/** A job's translations, one per text, in order. */
export interface Translations {
  outputs: string[];
  /** Per text, its other beam search hypotheses as text (best first, each text once, none equal to the output). */
  alternatives?: string[][];
}

export type ToWorker =
  | { type: 'load'; id: number; spec: LoadSpec }
  | { type: 'unload'; id: number; modelId: string }
  | { type: 'translate'; id: number; job: TranslateJob }
  /** The translate message `id`'s requests gave up: its sequences leave the decode (continuous decoder). */
  | { type: 'cancel'; id: number }
  /** Exit between two session runs (unlike terminate(), which may land in the middle of one). */
  | { type: 'exit'; code: number };

export type FromWorker =
  | { type: 'loaded'; id: number; loaded: Loaded }
  | { type: 'unloaded'; id: number }
  | ({ type: 'translated'; id: number } & Translations)
  | { type: 'failed'; id: number; message: string };
