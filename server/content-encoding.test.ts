import { describe, expect, it } from 'vitest';
import { acceptedEncodings, isCompressible } from './content-encoding.ts';

describe('acceptedEncodings', () => {
  it.each([
    ['gzip, deflate, br, zstd', ['br', 'gzip']],
    ['gzip, deflate', ['gzip']],
    ['br;q=1.0, gzip;q=0.8', ['br', 'gzip']],
    ['gzip;q=0, br', ['br']],
    ['BR', ['br']],
    ['*', ['br', 'gzip']],
    ['*;q=0, gzip', ['gzip']],
    ['identity', []],
    ['', []],
    [undefined, []],
  ] as const)('%j admits %j', (header, expected) => {
    expect(acceptedEncodings(header)).toEqual(expected);
  });
});

describe('isCompressible', () => {
  it('takes text and WebAssembly, not images or model weights', () => {
    expect(['a.js', 'a.mjs', 'a.css', 'index.html', 'manifest.webmanifest', 'icon.svg', 'ort.wasm'].every(isCompressible)).toBe(true);
    expect(['icon.png', 'model.onnx', 'a.js.br', 'a.js.gz'].some(isCompressible)).toBe(false);
  });
});
