import type { Precision } from '../../contract/manifest-schema.ts';
import type { AsrBackend, LoadedModel, LoadProgress } from './asr-protocol.ts';
import type { ModelFileRef } from './model-storage.ts';

/** The typed contract between the page and the on-device translation worker (exposed through comlink). */

export type { LoadedModel, LoadProgress } from './asr-protocol.ts';

/**
 * Language codes as the model wants them, from the manifest's modelLanguageCode (NLLB: "eng_Latn");
 * absent for single-direction models such as opus-mt. The server's workers take the same shape.
 */
export interface ModelLanguages {
  srcLang?: string;
  tgtLang?: string;
}

export interface TranslationLoadRequest {
  modelId: string;
  /** 'auto' picks WebGPU where an adapter exists, else WASM. */
  backend: AsrBackend | 'auto';
  /** The precisions the manifest offers for this model. */
  availablePrecisions: Precision[];
  /** Each precision's files, which the worker downloads into the models cache before it opens the model. */
  files: Partial<Record<Precision, ModelFileRef[]>>;
  /** A direction the model supports, for the warm-up translation. */
  warmUp: ModelLanguages;
  /** WASM threads; defaults to what the machine offers. */
  threads?: number;
}

export interface TranslationOutput {
  translations: string[];
  computeMs: number;
}

export interface TranslationWorkerApi {
  load(request: TranslationLoadRequest, onProgress: (progress: LoadProgress) => void): Promise<LoadedModel>;
  /** Translates a batch in one run of the model, in order. */
  translate(texts: string[], languages: ModelLanguages): Promise<TranslationOutput>;
}
