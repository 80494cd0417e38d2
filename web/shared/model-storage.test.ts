import { describe, expect, it } from 'vitest';
import type { ModelEntry } from '../../contract/manifest-schema.ts';
import { formatDuration, modelSlug, progressText, storageShortfall, storageSummary, totalBytes, variantFiles } from './model-storage.ts';

const model = {
  id: 'sotto/whisper-tiny-random',
  files: [{ path: 'config.json', bytes: 1_000 }],
  variants: { q8: { files: [{ path: 'onnx/encoder_model_quantized.onnx', bytes: 2_000_000 }] }, fp32: { files: [{ path: 'onnx/encoder_model.onnx' }] } },
} as unknown as ModelEntry;

describe('variantFiles', () => {
  it('lists each precision with the shared files, as URLs under /models/', () => {
    const files = variantFiles(model);
    expect(files.q8).toEqual([
      { url: '/models/sotto/whisper-tiny-random/config.json', bytes: 1_000 },
      { url: '/models/sotto/whisper-tiny-random/onnx/encoder_model_quantized.onnx', bytes: 2_000_000 },
    ]);
    expect(files.fp32?.[1]).toEqual({ url: '/models/sotto/whisper-tiny-random/onnx/encoder_model.onnx' });
    expect(files.fp16).toBeUndefined();
    expect(totalBytes(files.q8!)).toBe(2_001_000);
  });

  it('makes element-safe slugs', () => {
    expect(modelSlug('sotto/opus-mt-en-de_tiny.random')).toBe('sotto-opus-mt-en-de-tiny-random');
  });
});

describe('formatting', () => {
  it('formats durations, rounding up to whole seconds', () => {
    expect(formatDuration(0.2)).toBe('1 s');
    expect(formatDuration(59.1)).toBe('1 min 0 s');
    expect(formatDuration(125)).toBe('2 min 5 s');
    expect(formatDuration(3_700)).toBe('1 h 1 min');
  });

  it('estimates the time left from the average rate', () => {
    expect(progressText(0, 40_000_000, 0)).toBe('0 B of 40 MB');
    expect(progressText(10_000_000, 40_000_000, 5_000)).toBe('10 MB of 40 MB · 15 s left');
    expect(progressText(40_000_000, 40_000_000, 20_000)).toBe('40 MB of 40 MB');
  });
});

describe('storage', () => {
  it('warns only when the model does not fit in what is free', () => {
    expect(storageShortfall({ quota: 100_000_000, usage: 90_000_000 }, 5_000_000)).toBeUndefined();
    expect(storageShortfall({ quota: 100_000_000, usage: 90_000_000 }, 40_000_000)).toBe('Not enough storage: needs 40 MB, 10 MB free');
    expect(storageShortfall({ quota: 100, usage: 200 }, 1)).toBe('Not enough storage: needs 1 B, 0 B free');
    expect(storageShortfall({}, 40_000_000)).toBeUndefined();
  });

  it('summarises usage and what is available', () => {
    expect(storageSummary({ quota: 2_000_000_000, usage: 150_000_000 })).toBe('Storage: 150 MB used, 1.9 GB available');
    expect(storageSummary({ usage: 1_000 })).toBe('Storage: 1.0 kB used');
  });
});
