import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManifestError, downloadBytes, filesFor, findModel, parseManifest } from './manifest-schema.ts';

const realManifest: unknown = JSON.parse(readFileSync(join(import.meta.dirname, 'manifest.json'), 'utf8'));
const sha = (digit: string) => digit.repeat(64);

interface DraftFile { path: string; bytes?: number; sha256?: string }
interface DraftModel { id: string; source: Record<string, unknown>; languages: string[]; files: DraftFile[]; variants: Record<string, { files: DraftFile[] }>; [key: string]: unknown }
interface Draft { version: number; defaults: { asr: string }; models: DraftModel[] }

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

/** The ManifestError message for a manifest broken by `change`. */
function problemsAfter(change: (draft: Draft) => void): string {
  const draft = validManifest();
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
    expect(manifest.defaults.asr).toBe('sotto/whisper-tiny-random');
    expect(manifest.models.map((m) => m.id)).toEqual(['onnx-community/whisper-base', 'sotto/whisper-tiny-random', 'sotto/whisper-base-random']);
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
