/** Deterministic pseudo-random numbers, so a generated model is byte-identical on every machine. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** mulberry32: uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  integer(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.integer(items.length)]!;
  }

  /** Irwin–Hall approximation of a normal distribution: cheap and good enough for random weights. */
  normals(count: number, std: number): Float32Array {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i += 1) {
      out[i] = (this.next() + this.next() + this.next() + this.next() - 2) * std * 1.7320508;
    }
    return out;
  }
}

export function toFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  for (let i = 0; i < values.length; i += 1) {
    f32[0] = values[i]!;
    const bits = u32[0]!;
    const sign = (bits >>> 16) & 0x8000;
    const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
    const mantissa = bits & 0x7fffff;
    if (exponent <= 0) out[i] = sign;
    else if (exponent >= 31) out[i] = sign | 0x7c00;
    else out[i] = sign | (exponent << 10) | ((mantissa + 0x1000) >>> 13);
  }
  return out;
}

/** Symmetric per-tensor int8 quantization, as ORT's dynamic quantizer does for weights. */
export function quantizeInt8(values: Float32Array): { data: Int8Array; scale: number } {
  let maxAbs = 1e-8;
  for (const v of values) maxAbs = Math.max(maxAbs, Math.abs(v));
  const scale = maxAbs / 127;
  const data = new Int8Array(values.length);
  for (let i = 0; i < values.length; i += 1) data[i] = Math.max(-127, Math.min(127, Math.round(values[i]! / scale)));
  return { data, scale };
}

/**
 * Block-wise 4-bit quantization in MatMulNBits layout: weight [K, N] (row-major) becomes
 * N rows of ceil(K / blockSize) blocks, two values a byte (low nibble first), zero point 8.
 */
export function quantizeNBits4(weight: Float32Array, k: number, n: number, blockSize: number): { packed: Uint8Array; scales: Float32Array; blocks: number } {
  const blocks = Math.ceil(k / blockSize);
  const blobSize = blockSize / 2;
  const packed = new Uint8Array(n * blocks * blobSize);
  const scales = new Float32Array(n * blocks);
  for (let col = 0; col < n; col += 1) {
    for (let block = 0; block < blocks; block += 1) {
      let maxAbs = 1e-8;
      for (let r = block * blockSize; r < Math.min(k, (block + 1) * blockSize); r += 1) maxAbs = Math.max(maxAbs, Math.abs(weight[r * n + col]!));
      const scale = maxAbs / 7;
      scales[col * blocks + block] = scale;
      for (let j = 0; j < blockSize; j += 1) {
        const row = block * blockSize + j;
        const q = row < k ? Math.max(0, Math.min(15, Math.round(weight[row * n + col]! / scale) + 8)) : 8;
        const byteIndex = (col * blocks + block) * blobSize + (j >> 1);
        packed[byteIndex] = packed[byteIndex]! | (j % 2 === 0 ? q : q << 4);
      }
    }
  }
  return { packed, scales, blocks };
}
