import * as Comlink from 'comlink';
import { modelLanguageCode, PRECISIONS, supportsDirection, translationDirections, type TranslationModelEntry } from '../../contract/manifest-schema.ts';
import type { AsrBackend } from '../shared/asr-protocol.ts';
import { cachedPrecision } from '../browser/model-cache.ts';
import { variantFiles } from '../shared/model-storage.ts';
import type { LoadedModel, LoadProgress, ModelLanguages, TranslationWorkerApi } from '../shared/translation-protocol.ts';
import { WorkerBridge } from './worker-bridge.ts';

export interface DeviceTranslatorOptions {
  /** The manifest entry of the on-device model (`defaults.translation.device`). */
  model: TranslationModelEntry;
  /** 'auto' (the default) picks WebGPU where an adapter exists, else WASM q8; `?backend=` can force one. */
  backend?: AsrBackend | 'auto';
  threads?: number;
  /** Download and load progress of the model's files. */
  onProgress?: (progress: LoadProgress) => void;
  createWorker?: () => Worker;
  idleMs?: number;
}

export interface DeviceTranslation {
  translations: string[];
  backend: AsrBackend;
  /** Time the model spent on this batch, without waiting for the worker or the model load. */
  computeMs: number;
}

/** "WebGPU" or "WebAssembly", as StageRun.backend shows it. */
export function backendLabel(backend: AsrBackend): string {
  return backend === 'webgpu' ? 'WebGPU' : 'WebAssembly';
}

/** The model's own language codes where it has them (NLLB), none for a single-direction model. */
export function modelLanguages(model: TranslationModelEntry, source: string, target: string): ModelLanguages {
  if (!model.languageCodes) return {};
  return { srcLang: modelLanguageCode(model, source), tgtLang: modelLanguageCode(model, target) };
}

/** Translation on this device: the small model in its own worker, loaded on first use. */
export class DeviceTranslator {
  readonly model: TranslationModelEntry;
  private readonly bridge: WorkerBridge<TranslationWorkerApi, LoadedModel>;
  private loadedOnce = false;

  constructor(options: DeviceTranslatorOptions) {
    const { model, onProgress = () => undefined } = options;
    const warmUp = translationDirections(model)[0];
    if (!warmUp) throw new Error(`${model.id} is not a translation model`);
    this.model = model;
    const request = {
      modelId: model.id,
      backend: options.backend ?? 'auto',
      availablePrecisions: PRECISIONS.filter((precision) => model.variants[precision]),
      files: variantFiles(model),
      warmUp: modelLanguages(model, warmUp.source, warmUp.target),
      ...(options.threads === undefined ? {} : { threads: options.threads }),
    };
    this.bridge = new WorkerBridge({
      createWorker:
        options.createWorker ?? (() => new Worker(new URL('../worker/translation-worker.ts', import.meta.url), { type: 'module', name: 'translation' })),
      ...(options.idleMs === undefined ? {} : { idleMs: options.idleMs }),
      prepare: async (api) => {
        const loaded = await api.load(request, Comlink.proxy(onProgress));
        this.loadedOnce = true;
        return loaded;
      },
    });
  }

  /** Whether the model is on this device: loaded in this session, or in the models cache from an earlier one. */
  async isCached(): Promise<boolean> {
    return this.loadedOnce || (await cachedPrecision(variantFiles(this.model)).catch(() => undefined)) !== undefined;
  }

  supports(source: string, target: string): boolean {
    return supportsDirection(this.model, source, target);
  }

  /** Starts the worker and loads the model now, rather than on the first translation. */
  load(signal?: AbortSignal): Promise<LoadedModel> {
    return this.bridge.call((_api, loaded) => loaded, signal);
  }

  translate(texts: string[], source: string, target: string, signal?: AbortSignal): Promise<DeviceTranslation> {
    if (!this.supports(source, target)) return Promise.reject(new Error(`The on-device model does not translate ${source} → ${target}`));
    return this.bridge.call(async (api, loaded) => {
      const output = await api.translate(texts, modelLanguages(this.model, source, target));
      return { translations: output.translations, backend: loaded.backend, computeMs: output.computeMs };
    }, signal);
  }

  dispose(): void {
    this.bridge.terminate();
  }
}
