import { describe, it, expect } from 'vitest';
import { downmixToMono, resample, StreamingResampler } from './resample.ts';

function sine(frequency: number, sampleRate: number, seconds: number, amplitude = 0.5): Float32Array {
  const samples = new Float32Array(Math.round(sampleRate * seconds));
  for (let i = 0; i < samples.length; i++) samples[i] = amplitude * Math.sin((2 * Math.PI * frequency * i) / sampleRate);
  return samples;
}

function rms(samples: Float32Array): number {
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  return Math.sqrt(sum / samples.length);
}

/** Random generator with a fixed seed, so failures are reproducible. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Drops the edges, where the kernel runs into the zero padding. */
const interior = (samples: Float32Array, margin: number): Float32Array => samples.subarray(margin, samples.length - margin);

describe('downmixToMono', () => {
  it('averages channels', () => {
    const mono = downmixToMono([Float32Array.from([1, 0, -1]), Float32Array.from([0, 0.5, 1])]);
    expect(Array.from(mono)).toEqual([0.5, 0.25, 0]);
  });

  it('copies a single channel and handles no channels', () => {
    const channel = Float32Array.from([0.1, 0.2]);
    const mono = downmixToMono([channel]);
    expect(mono).toEqual(channel);
    expect(mono).not.toBe(channel);
    expect(downmixToMono([])).toHaveLength(0);
  });

  it('rejects channels of different lengths', () => {
    expect(() => downmixToMono([new Float32Array(2), new Float32Array(3)])).toThrow(RangeError);
  });
});

describe('resample', () => {
  it('passes samples through unchanged when the rates are equal', () => {
    const input = sine(440, 16_000, 0.1);
    const output = resample(input, 16_000, 16_000);
    expect(output).toEqual(input);
    expect(output).not.toBe(input);
  });

  it.each([
    [48_000, 16_000],
    [44_100, 16_000],
    [22_050, 16_000],
    [8_000, 16_000],
  ])('produces ceil(length × ratio) samples for %i → %i Hz', (fromRate, toRate) => {
    const input = new Float32Array(fromRate + 7);
    expect(resample(input, fromRate, toRate)).toHaveLength(Math.ceil(((fromRate + 7) * toRate) / fromRate));
  });

  it.each([48_000, 44_100, 8_000])('keeps frequency and amplitude of a 440 Hz sine from %i Hz to 16 kHz', (fromRate) => {
    const output = resample(sine(440, fromRate, 1), fromRate, 16_000);
    const expected = sine(440, 16_000, 1);
    const margin = 200;
    let maxError = 0;
    for (let i = margin; i < output.length - margin; i++) {
      maxError = Math.max(maxError, Math.abs(output[i]! - expected[i]!));
    }
    expect(maxError).toBeLessThan(1e-3);
    expect(rms(interior(output, margin))).toBeCloseTo(0.5 / Math.SQRT2, 3);
  });

  it('keeps a constant signal constant', () => {
    const output = resample(new Float32Array(44_100).fill(0.25), 44_100, 16_000);
    for (const sample of interior(output, 200)) expect(sample).toBeCloseTo(0.25, 5);
  });

  it.each([9_000, 10_000, 12_000, 20_000])('attenuates a %i Hz tone above the 8 kHz Nyquist of 16 kHz', (frequency) => {
    const output = resample(sine(frequency, 48_000, 1), 48_000, 16_000);
    // At least 70 dB below the input RMS of 0.35.
    expect(rms(interior(output, 200))).toBeLessThan(0.35 * 10 ** (-70 / 20));
  });

  it('mostly keeps speech-band content below 6 kHz', () => {
    const output = resample(sine(5_000, 48_000, 1), 48_000, 16_000);
    expect(rms(interior(output, 200))).toBeCloseTo(0.5 / Math.SQRT2, 2);
  });

  it('rejects non-integer or non-positive rates', () => {
    expect(() => resample(new Float32Array(4), 0, 16_000)).toThrow(RangeError);
    expect(() => resample(new Float32Array(4), 44_100.5, 16_000)).toThrow(RangeError);
  });
});

describe('StreamingResampler', () => {
  it.each([
    [48_000, 16_000],
    [44_100, 16_000],
    [16_000, 48_000],
    [16_000, 16_000],
  ])('matches one-shot resampling when fed random-sized chunks (%i → %i Hz)', (fromRate, toRate) => {
    const random = seededRandom(fromRate + toRate);
    const input = new Float32Array(fromRate / 2);
    for (let i = 0; i < input.length; i++) input[i] = random() * 2 - 1;

    const resampler = new StreamingResampler(fromRate, toRate);
    const pieces: Float32Array[] = [];
    for (let offset = 0; offset < input.length; ) {
      const size = Math.floor(random() * 3000);
      pieces.push(resampler.push(input.subarray(offset, offset + size)));
      offset += size;
    }
    pieces.push(resampler.flush());

    const streamed = new Float32Array(pieces.reduce((total, piece) => total + piece.length, 0));
    let offset = 0;
    for (const piece of pieces) {
      streamed.set(piece, offset);
      offset += piece.length;
    }
    const oneShot = resample(input, fromRate, toRate);
    expect(streamed).toHaveLength(oneShot.length);
    for (let i = 0; i < oneShot.length; i++) expect(Math.abs(streamed[i]! - oneShot[i]!)).toBeLessThan(1e-4);
  });

  it('emits output with a short delay and starts a new stream after flush', () => {
    const resampler = new StreamingResampler(48_000, 16_000);
    const input = sine(440, 48_000, 0.1);
    const first = resampler.push(input);
    expect(first.length).toBeGreaterThan(1_600 - 40);
    expect(first.length + resampler.flush().length).toBe(1_600);
    expect(resampler.push(input)).toEqual(first);
  });
});
