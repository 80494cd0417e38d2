import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { rowQuantizingCache } from './row-quantizing-cache.ts';

function modelsFolder() {
  const root = mkdtempSync(join(tmpdir(), 'sotto-row-cache-'));
  mkdirSync(join(root, 'owner', 'model', 'onnx'), { recursive: true });
  writeFileSync(join(root, 'owner', 'model', 'onnx', 'decoder_model_merged_quantized.onnx'), Uint8Array.of(1, 2, 3));
  writeFileSync(join(root, 'owner', 'model', 'onnx', 'decoder_model_merged.onnx'), Uint8Array.of(9));
  return root;
}

const reversed = (bytes: Uint8Array) => Uint8Array.from(bytes).reverse();
const bytesOf = async (response: Response | undefined) => new Uint8Array(await response!.arrayBuffer());
const opened = { dispose: vi.fn(async () => {}) };
// The form of transformers.js's remote URL ({remoteHost}/{model}/resolve/{revision}/{file}); never fetched.
const remoteUrl = (file: string) => `https://models.invalid/owner/model/resolve/main/${file}`;

describe('rowQuantizingCache', () => {
  it('answers for a quantized file of the models folder with its rewrite, under its path and then its remote URL', async () => {
    const root = modelsFolder();
    const rewrite = vi.fn(reversed);
    const cache = rowQuantizingCache(root, rewrite);
    const local = join(root, 'owner/model/onnx/decoder_model_merged_quantized.onnx');
    expect(await bytesOf(await cache.match(local))).toEqual(Uint8Array.of(3, 2, 1));
    const remote = remoteUrl('onnx/decoder_model_merged_quantized.onnx');
    expect(await bytesOf(await cache.match(remote))).toEqual(Uint8Array.of(3, 2, 1));
    expect(rewrite).toHaveBeenCalledTimes(1);
  });

  it('misses full-precision files, files outside the models folder, other files and missing ones', async () => {
    const root = modelsFolder();
    const cache = rowQuantizingCache(root, reversed);
    expect(await cache.match(join(root, 'owner/model/onnx/decoder_model_merged.onnx'))).toBeUndefined();
    expect(await cache.match(join(root, 'owner/model/config.json'))).toBeUndefined();
    expect(await cache.match('/elsewhere/owner/model/onnx/decoder_model_merged_quantized.onnx')).toBeUndefined();
    expect(await cache.match(join(root, 'owner/model/onnx/encoder_model_quantized.onnx'))).toBeUndefined();
    expect(await cache.match(remoteUrl('onnx/decoder_model_merged_quantized.onnx'))).toBeUndefined();
  });

  it('drops the rewrites once the model is open', async () => {
    const root = modelsFolder();
    const rewrite = vi.fn(reversed);
    const cache = rowQuantizingCache(root, rewrite);
    const local = join(root, 'owner/model/onnx/decoder_model_merged_quantized.onnx');
    await cache.opening(async () => {
      await cache.match(local);
      return opened;
    });
    await cache.match(local);
    expect(rewrite).toHaveBeenCalledTimes(2);
  });

  it('fails the opening, disposing what was opened, when a file cannot be rewritten', async () => {
    const root = modelsFolder();
    const cache = rowQuantizingCache(root, () => {
      throw new Error('feeds a Gather');
    });
    const local = join(root, 'owner/model/onnx/decoder_model_merged_quantized.onnx');
    const opening = cache.opening(async () => {
      expect(await cache.match(local)).toBeUndefined();
      return opened;
    });
    await expect(opening).rejects.toThrow(/decoder_model_merged_quantized\.onnx: feeds a Gather.*SOTTO_TRANSLATION_PRECISION/);
    expect(opened.dispose).toHaveBeenCalled();
  });
});
