// Band-limited resampling for speech audio (typically 44.1/48 kHz → 16 kHz for Whisper).
// Polyphase windowed-sinc: the kernel's cutoff sits just below the lower of the two
// Nyquist frequencies, so downsampling is anti-aliased and upsampling is interpolated.

/** Zero crossings of the sinc on each side of the kernel centre; sets the transition width. */
const ZERO_CROSSINGS = 20;
/** Cutoff as a fraction of the lower Nyquist frequency; leaves room for the transition band. */
const PASSBAND_FRACTION = 0.93;

/** Averages all channels into one. Channels must have equal lengths; always returns a new array. */
export function downmixToMono(channels: readonly Float32Array[]): Float32Array {
  const first = channels[0];
  if (!first) return new Float32Array(0);
  const length = first.length;
  if (channels.some((channel) => channel.length !== length)) {
    throw new RangeError('downmixToMono: all channels must have the same length');
  }
  if (channels.length === 1) return first.slice();

  const mono = new Float32Array(length);
  for (const channel of channels) {
    for (let i = 0; i < length; i++) mono[i]! += channel[i]!;
  }
  const scale = 1 / channels.length;
  for (let i = 0; i < length; i++) mono[i]! *= scale;
  return mono;
}

/** Resamples a whole signal at once; returns `ceil(length * toRate / fromRate)` samples in a new array. */
export function resample(input: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) {
    assertRate(fromRate);
    return input.slice();
  }
  const resampler = new StreamingResampler(fromRate, toRate);
  return concatFloat32(resampler.push(input), resampler.flush());
}

/**
 * Resamples a stream pushed in arbitrary chunks. The concatenation of all `push` results
 * followed by `flush()` equals `resample()` of the whole signal. Output lags the input by
 * half the kernel length (about 1 ms at 48 kHz), which `flush()` releases at the end.
 */
export class StreamingResampler {
  private readonly upFactor: number;
  private readonly downFactor: number;
  private readonly kernel: PolyphaseKernel | undefined;
  /** Input samples still needed, starting at absolute input index `pendingStart` (negative = zero padding). */
  private pending: Float32Array = new Float32Array(0);
  private pendingStart = 0;
  /** Position of the next output sample in input samples: `outputBase + outputPhase / upFactor`. */
  private outputBase = 0;
  private outputPhase = 0;
  private inputLength = 0;

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
  ) {
    assertRate(fromRate);
    assertRate(toRate);
    const divisor = greatestCommonDivisor(fromRate, toRate);
    this.upFactor = toRate / divisor;
    this.downFactor = fromRate / divisor;
    this.kernel = fromRate === toRate ? undefined : new PolyphaseKernel(this.upFactor, this.downFactor);
    this.reset();
  }

  push(chunk: Float32Array): Float32Array {
    if (!this.kernel) return chunk.slice();
    this.inputLength += chunk.length;
    this.pending = concatFloat32(this.pending, chunk);
    return this.drain(this.pendingStart + this.pending.length - this.kernel.halfLength);
  }

  /** Emits the delayed tail of the stream and resets the resampler for a new stream. */
  flush(): Float32Array {
    if (!this.kernel) return new Float32Array(0);
    this.pending = concatFloat32(this.pending, new Float32Array(this.kernel.halfLength));
    const tail = this.drain(this.inputLength);
    this.reset();
    return tail;
  }

  /** Computes every output sample whose position lies before input index `limit`. */
  private drain(limit: number): Float32Array {
    const kernel = this.kernel!;
    const { upFactor, downFactor } = this;
    const count = Math.max(0, Math.ceil(((limit - this.outputBase) * upFactor - this.outputPhase) / downFactor));
    const output = new Float32Array(count);
    const pending = this.pending;
    for (let n = 0; n < count; n++) {
      const taps = kernel.row(this.outputPhase);
      const first = this.outputBase - kernel.halfLength + 1 - this.pendingStart;
      let sum = 0;
      for (let j = 0; j < taps.length; j++) sum += pending[first + j]! * taps[j]!;
      output[n] = sum;
      const phase = this.outputPhase + downFactor;
      this.outputBase += Math.floor(phase / upFactor);
      this.outputPhase = phase % upFactor;
    }
    const keepFrom = this.outputBase - kernel.halfLength + 1;
    this.pending = this.pending.subarray(keepFrom - this.pendingStart);
    this.pendingStart = keepFrom;
    return output;
  }

  private reset(): void {
    const padding = this.kernel ? this.kernel.halfLength - 1 : 0;
    this.pending = new Float32Array(padding);
    this.pendingStart = -padding;
    this.outputBase = 0;
    this.outputPhase = 0;
    this.inputLength = 0;
  }
}

/** Windowed-sinc taps for each of the `upFactor` fractional output positions, built lazily. */
class PolyphaseKernel {
  /** Taps on each side of the output position, in input samples. */
  readonly halfLength: number;
  private readonly cutoff: number;
  private readonly rows: (Float32Array | undefined)[];

  constructor(
    private readonly upFactor: number,
    downFactor: number,
  ) {
    // Cutoff as a fraction of the input Nyquist frequency.
    this.cutoff = PASSBAND_FRACTION * Math.min(1, upFactor / downFactor);
    this.halfLength = Math.ceil(ZERO_CROSSINGS / this.cutoff);
    this.rows = new Array<Float32Array | undefined>(upFactor);
  }

  row(phase: number): Float32Array {
    const existing = this.rows[phase];
    if (existing) return existing;
    const { halfLength, cutoff } = this;
    const taps = new Float32Array(2 * halfLength);
    const fraction = phase / this.upFactor;
    let sum = 0;
    for (let j = 0; j < taps.length; j++) {
      const distance = halfLength - 1 - j + fraction;
      const value = cutoff * sinc(cutoff * distance) * blackman(distance / halfLength);
      taps[j] = value;
      sum += value;
    }
    // Unit gain at DC for every phase, so constant signals stay exactly constant.
    for (let j = 0; j < taps.length; j++) taps[j]! /= sum;
    this.rows[phase] = taps;
    return taps;
  }
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const angle = Math.PI * x;
  return Math.sin(angle) / angle;
}

/** Blackman window over position -1..1 (0 at both ends). */
function blackman(position: number): number {
  if (Math.abs(position) >= 1) return 0;
  const angle = Math.PI * position;
  return 0.42 + 0.5 * Math.cos(angle) + 0.08 * Math.cos(2 * angle);
}

function greatestCommonDivisor(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function assertRate(rate: number): void {
  if (!Number.isInteger(rate) || rate <= 0) {
    throw new RangeError(`Sample rate must be a positive integer, got ${rate}`);
  }
}

function concatFloat32(a: Float32Array, b: Float32Array): Float32Array {
  if (a.length === 0) return b.slice();
  const joined = new Float32Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}
