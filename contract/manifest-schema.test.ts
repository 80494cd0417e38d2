import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ManifestError,
  downloadBytes,
  filesFor,
  findModel,
  modelLanguageCode,
  parseManifest,
  parsePrecisions,
  supportsDirection,
  translationDirections,
} from './manifest-schema.ts';

const realManifest: unknown = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'models', 'manifest.json'), 'utf8'));
const sha = (digit: string) => digit.repeat(64);

interface DraftFile { path: string; bytes?: number; sha256?: string }
interface DraftModel { id: string; source: Record<string, unknown>; languages: string[]; files: DraftFile[]; variants: Record<string, { files: DraftFile[] }>; [key: string]: unknown }
interface Draft { version: number; defaults: { asr: string; translation?: { server: string; device: string } }; models: DraftModel[] }

/** A small valid manifest: one hub model and one generated model imitating it. */
function validManifest(): Draft {
  return {
    version: 1,
    defaults: { asr: 'test/tiny' },
    models: [
      {
        id: 'owner/real-model',
        task: 'automatic-speech-recognition',
        architecture: 'whisper',
        source: { type: 'hub', revision: 'main' },
        languages: ['en'],
        placement: ['device'],
        files: [{ path: 'config.json' }, { path: 'tokenizer.json', bytes: 10 }],
        variants: { fp32: { files: [{ path: 'onnx/encoder_model.onnx' }] } },
      },
      {
        id: 'test/tiny',
        task: 'automatic-speech-recognition',
        architecture: 'whisper',
        source: {
          type: 'generated', size: 'tiny', imitates: 'owner/real-model', seed: 1, textTokens: 1000, generatedTokens: 12,
          dimensions: { dModel: 64, encoderLayers: 2, decoderLayers: 2, encoderHeads: 2, decoderHeads: 2, ffnDim: 128, numMelBins: 80, maxSourcePositions: 1500, maxTargetPositions: 448 },
        },
        languages: ['en', 'de'],
        placement: ['device', 'server'],
        files: [{ path: 'config.json', bytes: 100, sha256: sha('a') }],
        variants: {
          fp32: { files: [{ path: 'onnx/encoder_model.onnx', bytes: 1000, sha256: sha('b') }] },
          q8: { files: [{ path: 'onnx/encoder_model_quantized.onnx', bytes: 300, sha256: sha('c') }] },
        },
      },
    ],
  };
}

/** The ManifestError message for a manifest (the small fixture unless given) broken by `change`. */
function problemsAfter(change: (draft: Draft) => void, draft = validManifest()): string {
  change(draft);
  try {
    parseManifest(draft);
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    return (error as ManifestError).message;
  }
  throw new Error('expected parseManifest to throw');
}

describe('parseManifest', () => {
  it('accepts models/manifest.json', () => {
    const manifest = parseManifest(realManifest);
    expect(manifest.defaults).toEqual({ asr: 'sotto/whisper-tiny-random', translation: { server: 'sotto/nllb-tiny-random', device: 'sotto/opus-mt-en-de-tiny-random' } });
    expect(manifest.models.map((m) => m.id)).toEqual([
      'onnx-community/whisper-base', 'sotto/whisper-tiny-random', 'sotto/whisper-base-random',
      'onnx-community/moonshine-base-ONNX', 'sotto/moonshine-tiny-random', 'sotto/moonshine-base-random',
      'Xenova/opus-mt-en-de', 'sotto/opus-mt-en-de-tiny-random', 'sotto/opus-mt-en-de-random',
      'Xenova/nllb-200-distilled-600M', 'sotto/nllb-tiny-random', 'sotto/nllb-200-distilled-600M-random',
    ]);
  });

  it('accepts the small fixture', () => {
    expect(parseManifest(validManifest()).models).toHaveLength(2);
  });

  it('rejects duplicate ids, naming the second one', () => {
    const message = problemsAfter((m) => m.models.push({ ...m.models[0]! }));
    expect(message).toMatch(/^Invalid model manifest:\n- /);
    expect(message).toContain('models.2.id: duplicate model id "owner/real-model"');
  });

  it.each(['no-slash', 'a/b/c', '/leading', 'owner/na me'])('rejects the id %j', (id) => {
    expect(problemsAfter((m) => (m.models[0]!.id = id))).toContain('models.0.id: must look like "owner/name"');
  });

  it.each(['../x', 'onnx/../../etc/passwd', 'onnx/..'])('rejects the traversing path %j', (path) => {
    const message = problemsAfter((m) => (m.models[1]!.variants.q8!.files[0]!.path = path));
    expect(message).toContain('models.1.variants.q8.files.0.path: must not contain ".."');
  });

  it.each(['/etc/passwd', 'onnx\\model.onnx', 'onnx//model.onnx', ''])('rejects the path %j', (path) => {
    expect(problemsAfter((m) => (m.models[0]!.files[0]!.path = path))).toContain('models.0.files.0.path: must be a relative path');
  });

  it.each([sha('A'), sha('a').slice(1), `${sha('a')}0`, sha('g')])('rejects the sha256 %j', (digest) => {
    expect(problemsAfter((m) => (m.models[1]!.files[0]!.sha256 = digest))).toContain('models.1.files.0.sha256: must be 64 lowercase hex digits');
  });

  it('rejects a default ASR model that is not listed', () => {
    expect(problemsAfter((m) => (m.defaults.asr = 'test/missing'))).toContain('defaults.asr: default ASR model "test/missing" is not in the manifest');
  });

  it('rejects a generated model imitating an unknown id', () => {
    const message = problemsAfter((m) => (m.models[1]!.source.imitates = 'owner/unknown'));
    expect(message).toContain('models.1.source.imitates: imitates unknown model "owner/unknown"');
  });

  it('rejects a model without variants', () => {
    expect(problemsAfter((m) => (m.models[0]!.variants = {}))).toContain('models.0.variants: needs at least one variant');
  });

  it('rejects an unknown precision and a variant without files', () => {
    const message = problemsAfter((m) => Object.assign(m.models[1]!.variants, { q3: { files: [] }, q8: { files: [] } }));
    expect(message).toContain('models.1.variants: Unrecognized key: "q3"');
    expect(message).toContain('models.1.variants.q8.files');
  });

  it('lists every problem at once', () => {
    const message = problemsAfter((m) => {
      m.version = 2;
      m.models[0]!.languages = ['english'];
    });
    expect(message.split('\n- ')).toHaveLength(3);
    expect(message).toContain('version:');
    expect(message).toContain('models.0.languages.0: must be an ISO 639 code');
  });

  it('reports a non-object as a problem of the root', () => {
    expect(() => parseManifest(null)).toThrow(/\(root\): /);
  });
});

describe('findModel', () => {
  const manifest = parseManifest(validManifest());

  it('finds a model by id', () => {
    expect(findModel(manifest, 'test/tiny').source.type).toBe('generated');
  });

  it('names the known ids when the model is missing', () => {
    expect(() => findModel(manifest, 'test/nope')).toThrow(new ManifestError('Model "test/nope" is not in the manifest (known: owner/real-model, test/tiny)'));
  });
});

describe('filesFor and downloadBytes', () => {
  const manifest = parseManifest(validManifest());
  const tiny = findModel(manifest, 'test/tiny');
  const real = findModel(manifest, 'owner/real-model');

  it('lists the shared files, then the variant files', () => {
    expect(filesFor(tiny, 'q8').map((f) => f.path)).toEqual(['config.json', 'onnx/encoder_model_quantized.onnx']);
    expect(filesFor(real, 'fp32').map((f) => f.path)).toEqual(['config.json', 'tokenizer.json', 'onnx/encoder_model.onnx']);
  });

  it('throws a ManifestError for a missing variant', () => {
    expect(() => filesFor(tiny, 'q4')).toThrow(new ManifestError('Model "test/tiny" has no q4 variant'));
    expect(() => downloadBytes(real, 'fp16')).toThrow(ManifestError);
  });

  it('adds up the recorded sizes', () => {
    expect(downloadBytes(tiny, 'fp32')).toBe(1100);
    expect(downloadBytes(tiny, 'q8')).toBe(400);
  });

  it('is undefined when any size is unknown', () => {
    expect(downloadBytes(real, 'fp32')).toBeUndefined();
  });

  it('agrees with the real manifest', () => {
    const models = parseManifest(realManifest);
    const tinyRandom = findModel(models, 'sotto/whisper-tiny-random');
    const expected = filesFor(tinyRandom, 'fp32').reduce((sum, f) => sum + f.bytes!, 0);
    expect(downloadBytes(tinyRandom, 'fp32')).toBe(expected);
    expect(filesFor(tinyRandom, 'fp32')).toHaveLength(7);
    expect(downloadBytes(findModel(models, 'onnx-community/whisper-base'), 'q8')).toBeUndefined();
  });
});

/** The small fixture plus a one-direction Marian model and an any-to-any model with its own language codes, both defaults. */
function withTranslation(): Draft {
  const draft = validManifest();
  const shared = { task: 'translation', placement: ['server'], files: [{ path: 'config.json' }], variants: { q8: { files: [{ path: 'onnx/encoder_model_quantized.onnx' }] } } };
  draft.models.push(
    { ...shared, id: 'test/marian', architecture: 'marian', source: { type: 'hub', revision: 'main' }, languages: ['en', 'de'], directions: [{ source: 'en', target: 'de' }], placement: ['device', 'server'] },
    {
      ...shared,
      id: 'test/nllb',
      architecture: 'm2m100',
      source: {
        type: 'generated', size: 'tiny', imitates: 'test/marian', seed: 3, textTokens: 1000, generatedTokensPerSourceToken: 0.6, maxGeneratedTokens: 64,
        dimensions: { dModel: 64, encoderLayers: 2, decoderLayers: 2, heads: 2, ffnDim: 128, maxPositions: 1024, vocabSize: 1205 },
      },
      languages: ['en', 'de', 'fr'],
      languageCodes: { en: 'eng_Latn', de: 'deu_Latn', fr: 'fra_Latn' },
      directions: 'any-to-any',
    },
  );
  draft.defaults.translation = { server: 'test/nllb', device: 'test/marian' };
  return draft;
}

describe('translation models', () => {
  const manifest = parseManifest(withTranslation());
  const marian = findModel(manifest, 'test/marian');
  const nllb = findModel(manifest, 'test/nllb');
  const whisper = findModel(manifest, 'test/tiny');

  it('accepts the fixture with translation defaults; they are optional', () => {
    expect(manifest.defaults.translation).toEqual({ server: 'test/nllb', device: 'test/marian' });
    expect(parseManifest(validManifest()).defaults.translation).toBeUndefined();
  });

  it('lists directions: the given pairs, or every ordered pair of distinct languages', () => {
    expect(translationDirections(marian)).toEqual([{ source: 'en', target: 'de' }]);
    expect(translationDirections(nllb)).toHaveLength(6);
    expect(translationDirections(nllb)).toContainEqual({ source: 'fr', target: 'de' });
    expect(translationDirections(whisper)).toEqual([]);
  });

  it.each([
    ['test/marian', 'en', 'de', true],
    ['test/marian', 'de', 'en', false],
    ['test/nllb', 'de', 'fr', true],
    ['test/nllb', 'de', 'de', false],
    ['test/nllb', 'en', 'es', false],
    ['test/tiny', 'en', 'de', false],
  ])('%s translates %s → %s: %s', (id, source, target, expected) => {
    expect(supportsDirection(findModel(manifest, id), source, target)).toBe(expected);
  });

  it("gives the model's own language code, or the ISO code where it has none", () => {
    expect(modelLanguageCode(nllb, 'de')).toBe('deu_Latn');
    expect(modelLanguageCode(marian, 'de')).toBe('de');
    expect(modelLanguageCode(whisper, 'en')).toBe('en');
  });

  it('names the supported languages when asked for another', () => {
    expect(() => modelLanguageCode(nllb, 'es')).toThrow(new ManifestError('Model "test/nllb" does not support the language "es" (it supports en, de, fr)'));
  });

  it('rejects directions between unlisted or equal languages', () => {
    const message = problemsAfter((m) => (m.models[2]!.directions = [{ source: 'en', target: 'fr' }, { source: 'de', target: 'de' }]), withTranslation());
    expect(message).toContain('models.2.directions.0.target: "fr" is not in languages');
    expect(message).toContain('models.2.directions.1: source and target must differ');
  });

  it('rejects language codes for unlisted languages and missing ones', () => {
    const message = problemsAfter((m) => (m.models[3]!.languageCodes = { en: 'eng_Latn', es: 'spa_Latn' }), withTranslation());
    expect(message).toContain('models.3.languageCodes.es: "es" is not in languages');
    expect(message).toContain('models.3.languageCodes: no code for de, fr');
  });

  it('rejects a task or dimensions that do not fit the architecture', () => {
    expect(problemsAfter((m) => (m.models[2]!.task = 'automatic-speech-recognition'), withTranslation())).toContain('models.2.task');
    const dims = problemsAfter((m) => (m.models[3]!.source.dimensions = validManifest().models[1]!.source.dimensions), withTranslation());
    expect(dims).toContain('models.3.source.dimensions.heads');
  });

  it.each([
    [(d: Draft) => (d.defaults.translation!.server = 'test/none'), 'defaults.translation.server: default server translation model "test/none" is not in the manifest'],
    [(d: Draft) => (d.defaults.translation!.device = 'test/nllb'), 'defaults.translation.device: default device translation model "test/nllb" is not placed on the device'],
    [(d: Draft) => (d.defaults.translation!.server = 'test/tiny'), 'defaults.translation.server: default server translation model "test/tiny" does not translate'],
    [(d: Draft) => (d.defaults.asr = 'test/marian'), 'defaults.asr: default ASR model "test/marian" does not do speech recognition'],
  ])('checks the defaults (%#)', (change, problem) => {
    expect(problemsAfter(change, withTranslation())).toContain(problem);
  });
});

describe('parsePrecisions', () => {
  it('splits, trims and removes repeats', () => {
    expect(parsePrecisions('q8, fp32,q8')).toEqual(['q8', 'fp32']);
  });

  it.each(['', 'q3', 'fp32,int8'])('rejects %j, listing the known ones', (list) => {
    expect(() => parsePrecisions(list)).toThrow(/^Unknown precision ".*": choose from fp32, fp16, q8, q4$/);
  });
});
