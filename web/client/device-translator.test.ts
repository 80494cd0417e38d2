import { describe, expect, it } from 'vitest';
import type { TranslationModelEntry } from '../../contract/manifest-schema.ts';
import type { LoadedModel, TranslationLoadRequest, TranslationWorkerApi } from '../shared/translation-protocol.ts';
import { DeviceTranslator, modelLanguages } from './device-translator.ts';
import { FakeWorker } from '../../testing/web/fake-worker.ts';

const opus: TranslationModelEntry = {
  id: 'sotto/opus',
  task: 'translation',
  architecture: 'marian',
  source: { type: 'hub', revision: 'main' },
  languages: ['en', 'de'],
  directions: [{ source: 'en', target: 'de' }],
  placement: ['device'],
  files: [{ path: 'config.json' }],
  variants: { q8: { files: [{ path: 'onnx/encoder_model_quantized.onnx' }] }, fp32: { files: [{ path: 'onnx/encoder_model.onnx' }] } },
};
const nllb: TranslationModelEntry = {
  ...opus,
  id: 'sotto/nllb',
  architecture: 'm2m100',
  languages: ['en', 'fr'],
  languageCodes: { en: 'eng_Latn', fr: 'fra_Latn' },
  directions: 'any-to-any',
};

function translatorWithFakeWorker(model: TranslationModelEntry) {
  const loads: TranslationLoadRequest[] = [];
  const jobs: unknown[] = [];
  const { createWorker, workers } = FakeWorker.factory(() => {
    const api: TranslationWorkerApi = {
      load: async (request, onProgress): Promise<LoadedModel> => {
        loads.push(request);
        onProgress({ file: 'onnx/encoder_model_quantized.onnx', loadedBytes: 1, totalBytes: 2, done: false });
        return { modelId: request.modelId, backend: 'wasm', precision: 'q8', threads: 1, loadSeconds: 0 };
      },
      translate: async (texts, languages) => {
        jobs.push({ texts, languages });
        return { translations: texts.map((t) => t.toUpperCase()), computeMs: 2 };
      },
    };
    return api;
  });
  const progress: string[] = [];
  const translator = new DeviceTranslator({ model, createWorker, onProgress: (p) => progress.push(p.file) });
  return { translator, workers, loads, jobs, progress };
}

describe('DeviceTranslator', () => {
  it('loads the model on first use, with a warm-up direction and the precisions the manifest offers', async () => {
    const { translator, workers, loads, jobs, progress } = translatorWithFakeWorker(opus);
    expect(workers).toHaveLength(0);
    const result = await translator.translate(['hi', 'there'], 'en', 'de');
    expect(result).toEqual({ translations: ['HI', 'THERE'], backend: 'wasm', computeMs: 2 });
    expect(loads).toEqual([
      {
        modelId: 'sotto/opus',
        backend: 'auto',
        availablePrecisions: ['fp32', 'q8'],
        files: {
          fp32: [{ url: '/models/sotto/opus/config.json' }, { url: '/models/sotto/opus/onnx/encoder_model.onnx' }],
          q8: [{ url: '/models/sotto/opus/config.json' }, { url: '/models/sotto/opus/onnx/encoder_model_quantized.onnx' }],
        },
        warmUp: {},
      },
    ]);
    expect(jobs).toEqual([{ texts: ['hi', 'there'], languages: {} }]);
    expect(progress).toEqual(['onnx/encoder_model_quantized.onnx']);
    expect(await translator.isCached()).toBe(true);
    translator.dispose();
    expect(workers[0]!.terminated).toBe(true);
  });

  it("passes an NLLB model's own language codes", async () => {
    const { translator, loads, jobs } = translatorWithFakeWorker(nllb);
    await translator.translate(['bonjour'], 'fr', 'en');
    expect(loads[0]!.warmUp).toEqual({ srcLang: 'eng_Latn', tgtLang: 'fra_Latn' });
    expect(jobs).toEqual([{ texts: ['bonjour'], languages: { srcLang: 'fra_Latn', tgtLang: 'eng_Latn' } }]);
    translator.dispose();
  });

  it('refuses a direction the model lacks without starting the worker', async () => {
    const { translator, workers } = translatorWithFakeWorker(opus);
    expect(translator.supports('de', 'en')).toBe(false);
    await expect(translator.translate(['hallo'], 'de', 'en')).rejects.toThrow('The on-device model does not translate de → en');
    expect(workers).toHaveLength(0);
  });
});

describe('modelLanguages', () => {
  it('maps ISO codes to the model’s own codes, and none for a single-direction model', () => {
    expect(modelLanguages(nllb, 'en', 'fr')).toEqual({ srcLang: 'eng_Latn', tgtLang: 'fra_Latn' });
    expect(modelLanguages(opus, 'en', 'de')).toEqual({});
    expect(() => modelLanguages(nllb, 'en', 'de')).toThrow(/does not support the language "de"/);
  });
});
