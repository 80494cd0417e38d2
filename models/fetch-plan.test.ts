import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ENDPOINT, FetchError, fileUrl, formatBytes, formatProgress, httpErrorMessage, hubEndpoint, judgeLocalFile,
  networkErrorDetail, parseFetchArgs, planFetch, unreachableMessage, withRecordedFiles,
} from './fetch-plan.ts';
import { ManifestError, parseManifest, type Manifest } from '../contract/manifest-schema.ts';

const sha = (digit: string) => digit.repeat(64);

const hubModel = (id: string, variants: Record<string, { files: { path: string; bytes?: number; sha256?: string }[] }>) => ({
  id,
  task: 'automatic-speech-recognition',
  architecture: 'whisper',
  source: { type: 'hub', revision: 'v1.0' },
  languages: ['en'],
  placement: ['device'],
  files: [{ path: 'config.json', bytes: 5, sha256: sha('a') }, { path: 'tokenizer.json' }],
  variants,
});

const manifest: Manifest = parseManifest({
  version: 1,
  defaults: { asr: 'org/base' },
  models: [
    hubModel('org/base', {
      fp32: { files: [{ path: 'onnx/encoder_model.onnx' }, { path: 'onnx/decoder_model_merged.onnx' }] },
      q8: { files: [{ path: 'onnx/encoder_model_quantized.onnx', bytes: 7 }] },
    }),
    hubModel('org/small', { q8: { files: [{ path: 'onnx/encoder_model_quantized.onnx' }] } }),
    {
      ...hubModel('test/random', { fp32: { files: [{ path: 'onnx/encoder_model.onnx' }] } }),
      source: {
        type: 'generated', size: 'tiny', imitates: 'org/base', seed: 1, textTokens: 1000, generatedTokens: 12,
        dimensions: { dModel: 64, encoderLayers: 2, decoderLayers: 2, encoderHeads: 2, decoderHeads: 2, ffnDim: 128, numMelBins: 80, maxSourcePositions: 1500, maxTargetPositions: 448 },
      },
    },
  ],
});

describe('parseFetchArgs', () => {
  it('defaults to every hub model and variant in the default folder', () => {
    expect(parseFetchArgs([], '/repo/models')).toEqual({ model: undefined, precisions: undefined, modelsDir: '/repo/models', record: false, help: false });
  });

  it('reads every option', () => {
    const argv = ['--model', 'org/base', '--precision', 'q8, fp32,q8', '--models-dir', '/tmp/m', '--record'];
    expect(parseFetchArgs(argv, '/repo/models')).toEqual({ model: 'org/base', precisions: ['q8', 'fp32'], modelsDir: '/tmp/m', record: true, help: false });
  });

  it('rejects unknown precisions and options with the usage', () => {
    expect(() => parseFetchArgs(['--precision', 'fp32,q3'], '/m')).toThrow(new FetchError('Unknown --precision "q3": choose from fp32, fp16, q8, q4'));
    expect(() => parseFetchArgs(['--precision', ','], '/m')).toThrow(FetchError);
    expect(() => parseFetchArgs(['--dtype', 'q8'], '/m')).toThrow(/Unknown option '--dtype'[\s\S]*Usage: npm run models:fetch/);
  });
});

describe('hubEndpoint and fileUrl', () => {
  it('uses huggingface.co unless HF_ENDPOINT says otherwise', () => {
    expect(hubEndpoint({})).toBe(DEFAULT_ENDPOINT);
    expect(hubEndpoint({ HF_ENDPOINT: '' })).toBe(DEFAULT_ENDPOINT);
    expect(hubEndpoint({ HF_ENDPOINT: 'https://hf-mirror.example/' })).toBe('https://hf-mirror.example');
    expect(() => hubEndpoint({ HF_ENDPOINT: 'not a url' })).toThrow(FetchError);
  });

  it('builds resolve URLs, encoding each segment', () => {
    expect(fileUrl(DEFAULT_ENDPOINT, 'onnx-community/whisper-base', 'main', 'onnx/encoder_model.onnx'))
      .toBe('https://huggingface.co/onnx-community/whisper-base/resolve/main/onnx/encoder_model.onnx');
    expect(fileUrl('http://127.0.0.1:8000', 'org/m', 'refs/pr/1', 'a b.json')).toBe('http://127.0.0.1:8000/org/m/resolve/refs%2Fpr%2F1/a%20b.json');
  });
});

describe('planFetch', () => {
  const options = { model: undefined, precisions: undefined, modelsDir: '/models' };

  it('fetches every variant of every hub model by default, shared files once', () => {
    const plans = planFetch(manifest, options, 'http://hub');
    expect(plans.map((p) => [p.model.id, p.precisions])).toEqual([['org/base', ['fp32', 'q8']], ['org/small', ['q8']]]);
    expect(plans[0]!.files.map((f) => f.path)).toEqual([
      'config.json', 'tokenizer.json', 'onnx/encoder_model.onnx', 'onnx/decoder_model_merged.onnx', 'onnx/encoder_model_quantized.onnx',
    ]);
    expect(plans[0]!.files[0]).toEqual({
      path: 'config.json', bytes: 5, sha256: sha('a'),
      url: 'http://hub/org/base/resolve/v1.0/config.json', destination: join('/models', 'org/base', 'config.json'),
    });
  });

  it('narrows to one model and the chosen precisions', () => {
    const [plan, ...rest] = planFetch(manifest, { ...options, model: 'org/base', precisions: ['q8'] }, 'http://hub');
    expect(rest).toEqual([]);
    expect(plan!.files.map((f) => f.path)).toEqual(['config.json', 'tokenizer.json', 'onnx/encoder_model_quantized.onnx']);
  });

  it('explains what cannot be fetched', () => {
    expect(() => planFetch(manifest, { ...options, precisions: ['fp16'] }, 'http://hub')).toThrow(new FetchError('org/base has no fp16 variant (it has fp32, q8)'));
    expect(() => planFetch(manifest, { ...options, model: 'test/random' }, 'http://hub')).toThrow(/test\/random is generated, not downloaded: run npm run models:generate -- --size tiny/);
    expect(() => planFetch(manifest, { ...options, model: 'org/none' }, 'http://hub')).toThrow(ManifestError);
    const generatedOnly = { ...manifest, models: manifest.models.filter((m) => m.source.type === 'generated') };
    expect(() => planFetch(generatedOnly, options, 'http://hub')).toThrow(/no models with source "hub"/);
  });
});

describe('judgeLocalFile', () => {
  it('prefers the recorded sha256, then the recorded size', () => {
    expect(judgeLocalFile({ path: 'a', sha256: sha('a') }, undefined)).toBe('absent');
    expect(judgeLocalFile({ path: 'a', bytes: 3, sha256: sha('a') }, { bytes: 3, sha256: sha('a') })).toBe('up-to-date');
    expect(judgeLocalFile({ path: 'a', bytes: 3, sha256: sha('a') }, { bytes: 3, sha256: sha('b') })).toBe('stale');
    expect(judgeLocalFile({ path: 'a', bytes: 3 }, { bytes: 3 })).toBe('up-to-date');
    expect(judgeLocalFile({ path: 'a', bytes: 3 }, { bytes: 4 })).toBe('stale');
    expect(judgeLocalFile({ path: 'a' }, { bytes: 4 })).toBe('unverifiable');
  });
});

describe('withRecordedFiles', () => {
  it('records sizes and checksums of one model, in shared and variant files', () => {
    const recorded = [
      { path: 'tokenizer.json', bytes: 11, sha256: sha('b') },
      { path: 'onnx/encoder_model_quantized.onnx', bytes: 7, sha256: sha('c') },
    ];
    const updated = withRecordedFiles(manifest, 'org/base', recorded);
    const base = updated.models[0]!;
    expect(base.files).toEqual([{ path: 'config.json', bytes: 5, sha256: sha('a') }, recorded[0]]);
    expect(base.variants.q8!.files).toEqual([recorded[1]]);
    expect(base.variants.fp32).toEqual(manifest.models[0]!.variants.fp32);
    expect(updated.models[1]).toEqual(manifest.models[1]);
    expect(() => parseManifest(updated)).not.toThrow();
  });
});

describe('progress and messages', () => {
  it('formats sizes in decimal units', () => {
    expect([0, 999, 1000, 12_345, 1_500_000, 290_000_000, 2_100_000_000].map(formatBytes))
      .toEqual(['0 B', '999 B', '1.00 kB', '12.3 kB', '1.50 MB', '290.0 MB', '2.10 GB']);
  });

  it('shows bytes, percentage and rate', () => {
    expect(formatProgress('onnx/encoder_model.onnx', 25_000_000, 100_000_000, 5000)).toBe('onnx/encoder_model.onnx: 25.0 MB of 100.0 MB (25%), 5.00 MB/s');
    expect(formatProgress('config.json', 2000, undefined, 1000)).toBe('config.json: 2.00 kB, 2.00 kB/s');
    expect(formatProgress('config.json', 0, 10, 0)).toBe('config.json: 0 B of 10 B (0%), …');
  });

  it('describes network failures by their cause', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1234'), { code: 'ECONNREFUSED' });
    expect(networkErrorDetail(new TypeError('fetch failed', { cause: refused }))).toBe('connect ECONNREFUSED 127.0.0.1:1234');
    const both = new AggregateError([new Error('connect ECONNREFUSED ::1:80'), new Error('connect ECONNREFUSED 127.0.0.1:80')], '');
    expect(networkErrorDetail(new TypeError('fetch failed', { cause: both }))).toBe('connect ECONNREFUSED ::1:80');
    expect(networkErrorDetail(Object.assign(new Error(''), { code: 'ETIMEDOUT' }))).toBe('ETIMEDOUT');
    expect(unreachableMessage('https://huggingface.co', 'getaddrinfo ENOTFOUND huggingface.co')).toBe(
      'Cannot reach https://huggingface.co (getaddrinfo ENOTFOUND huggingface.co). models:fetch needs internet access; tests and benchmarks use npm run models:generate instead.',
    );
  });

  it('explains HTTP errors', () => {
    expect(httpErrorMessage('https://h/x', 401, 'Unauthorized')).toBe('https://h/x returned 401 Unauthorized: the model may be gated or private; set HF_TOKEN to a token with access');
    expect(httpErrorMessage('https://h/x', 404, '')).toBe('https://h/x returned 404: check the model id, revision and file path in the manifest');
    expect(httpErrorMessage('https://h/x', 500, 'Internal Server Error')).toBe('https://h/x returned 500 Internal Server Error');
  });
});
