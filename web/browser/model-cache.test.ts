import { describe, expect, it } from 'vitest';
import { MODELS_CACHE } from '../shared/cache-names.ts';
import { cachedPrecision } from './model-cache.ts';

const variants = {
  fp32: [{ url: '/models/sotto/opus/config.json' }, { url: '/models/sotto/opus/onnx/encoder_model.onnx' }],
  q8: [{ url: '/models/sotto/opus/config.json' }, { url: '/models/sotto/opus/onnx/encoder_model_quantized.onnx' }],
};

function cacheStorage(keys: string[]): CacheStorage {
  const cache = { match: async (key: string) => (keys.includes(key) ? new Response('x') : undefined) };
  return { has: async (name: string) => name === MODELS_CACHE && keys.length > 0, open: async () => cache } as unknown as CacheStorage;
}

describe('cachedPrecision', () => {
  it('names a precision only when every one of its files is in the models cache', async () => {
    expect(await cachedPrecision(variants, cacheStorage(['/models/sotto/opus/config.json', '/models/sotto/opus/onnx/encoder_model_quantized.onnx']))).toBe('q8');
    expect(await cachedPrecision(variants, cacheStorage(['/models/sotto/opus/onnx/encoder_model_quantized.onnx']))).toBeUndefined();
    expect(await cachedPrecision(variants, cacheStorage([]))).toBeUndefined();
    expect(await cachedPrecision(variants, undefined)).toBeUndefined();
  });
});
