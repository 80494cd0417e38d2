/** Regroups audio pushed in arbitrary sizes into fixed-size chunks, without losing or repeating samples. */
export class AudioChunker {
  private buffer: Float32Array;
  private filled = 0;

  constructor(readonly chunkSize: number) {
    if (!Number.isInteger(chunkSize) || chunkSize <= 0) {
      throw new RangeError(`Chunk size must be a positive integer, got ${chunkSize}`);
    }
    this.buffer = new Float32Array(chunkSize);
  }

  /** Returns the chunks completed by these samples (each a new array of exactly `chunkSize`). */
  push(samples: Float32Array): Float32Array[] {
    const chunks: Float32Array[] = [];
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(this.chunkSize - this.filled, samples.length - offset);
      this.buffer.set(samples.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === this.chunkSize) {
        chunks.push(this.buffer);
        this.buffer = new Float32Array(this.chunkSize);
        this.filled = 0;
      }
    }
    return chunks;
  }

  /** Returns the buffered remainder (shorter than `chunkSize`), or undefined when there is none. */
  flush(): Float32Array | undefined {
    if (this.filled === 0) return undefined;
    const remainder = this.buffer.slice(0, this.filled);
    this.filled = 0;
    return remainder;
  }
}
