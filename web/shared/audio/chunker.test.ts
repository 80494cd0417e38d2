import { describe, it, expect } from 'vitest';
import { AudioChunker } from './chunker.ts';

const ramp = (length: number): Float32Array => Float32Array.from({ length }, (_, i) => i);

describe('AudioChunker', () => {
  it('regroups random-sized pushes into fixed chunks without losing or repeating samples', () => {
    const input = ramp(50_000);
    const chunker = new AudioChunker(1_600);
    const chunks: Float32Array[] = [];
    const sizes = [0, 1, 1_599, 1_600, 1_601, 3_333, 7, 128, 4_096, 12_000];
    for (let offset = 0, i = 0; offset < input.length; i++) {
      const size = sizes[i % sizes.length]!;
      chunks.push(...chunker.push(input.subarray(offset, offset + size)));
      offset += size;
    }
    const remainder = chunker.flush();

    expect(chunks.every((chunk) => chunk.length === 1_600)).toBe(true);
    expect(remainder).toHaveLength(50_000 % 1_600);
    const joined = [...chunks, remainder!].flatMap((chunk) => Array.from(chunk));
    expect(joined).toEqual(Array.from(input));
  });

  it('returns independent chunks, unaffected by later pushes', () => {
    const chunker = new AudioChunker(4);
    const [first] = chunker.push(Float32Array.from([1, 2, 3, 4, 5]));
    chunker.push(Float32Array.from([6, 7, 8]));
    expect(Array.from(first!)).toEqual([1, 2, 3, 4]);
  });

  it('flushes nothing when empty and restarts after a flush', () => {
    const chunker = new AudioChunker(4);
    expect(chunker.flush()).toBeUndefined();
    chunker.push(Float32Array.from([1, 2]));
    expect(Array.from(chunker.flush()!)).toEqual([1, 2]);
    expect(chunker.flush()).toBeUndefined();
    expect(chunker.push(Float32Array.from([3, 4, 5, 6])).map((chunk) => Array.from(chunk))).toEqual([[3, 4, 5, 6]]);
  });

  it('rejects invalid chunk sizes', () => {
    expect(() => new AudioChunker(0)).toThrow(RangeError);
    expect(() => new AudioChunker(1.5)).toThrow(RangeError);
  });
});
