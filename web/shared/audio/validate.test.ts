import { describe, it, expect } from 'vitest';
import { AudioInputError, checkFileType, formatDuration, validateDecodedAudio } from './validate.ts';

function captureError(action: () => unknown): AudioInputError {
  try {
    action();
  } catch (error) {
    if (error instanceof AudioInputError) return error;
    throw error;
  }
  throw new Error('expected an AudioInputError');
}

describe('checkFileType', () => {
  it.each([
    ['talk.wav', 'audio/wav', 'wav'],
    ['talk.bin', 'audio/x-wav', 'wav'],
    ['talk.mp3', '', 'mp3'],
    ['talk', 'audio/mpeg', 'mp3'],
    ['talk.opus', 'application/octet-stream', 'ogg'],
    ['talk.ogg', 'audio/ogg; codecs=opus', 'ogg'],
    ['talk.webm', 'video/webm', 'webm'],
    ['TALK.FLAC', '', 'flac'],
    ['memo.m4a', 'audio/x-m4a', 'm4a'],
    ['memo.x', 'audio/mp4', 'm4a'],
  ])('accepts %s (%s)', (name, mimeType, format) => {
    expect(checkFileType(name, mimeType)).toBe(format);
  });

  it.each([
    ['notes.txt', 'text/plain'],
    ['photo.png', 'image/png'],
    ['noextension', ''],
  ])('rejects %s with a message listing the supported formats', (name, mimeType) => {
    const error = captureError(() => checkFileType(name, mimeType));
    expect(error.code).toBe('unsupported-format');
    expect(error.name).toBe('AudioInputError');
    expect(error.message).toContain(`"${name}"`);
    expect(error.message).toContain('WAV, MP3, OGG/Opus, WebM, FLAC, M4A');
  });
});

describe('validateDecodedAudio', () => {
  const limits = { maxSeconds: 60 };
  const tone = (seconds: number, amplitude: number): Float32Array =>
    Float32Array.from({ length: seconds * 16_000 }, (_, i) => amplitude * Math.sin(i / 5));

  it('accepts normal audio', () => {
    expect(() => validateDecodedAudio(tone(2, 0.3), 16_000, limits)).not.toThrow();
  });

  it('rejects empty audio', () => {
    expect(captureError(() => validateDecodedAudio(new Float32Array(0), 16_000, limits)).code).toBe('empty');
  });

  it('rejects silent audio, but not quiet audio with audible peaks', () => {
    expect(captureError(() => validateDecodedAudio(tone(2, 5e-5), 16_000, limits)).code).toBe('silent');
    expect(captureError(() => validateDecodedAudio(new Float32Array(16_000), 16_000, limits)).code).toBe('silent');
    const quietWithClick = tone(2, 5e-5);
    quietWithClick[100] = 0.01;
    expect(() => validateDecodedAudio(quietWithClick, 16_000, limits)).not.toThrow();
  });

  it('rejects audio over the limit with both durations in the message', () => {
    const error = captureError(() => validateDecodedAudio(tone(61, 0.3), 16_000, limits));
    expect(error.code).toBe('too-long');
    expect(error.message).toContain('1:01');
    expect(error.message).toContain('1:00');
    expect(() => validateDecodedAudio(tone(60, 0.3), 16_000, limits)).not.toThrow();
  });

  it('uses the given sample rate for the duration', () => {
    expect(() => validateDecodedAudio(tone(3, 0.3), 48_000, limits)).not.toThrow();
    expect(captureError(() => validateDecodedAudio(tone(3, 0.3), 700, limits)).code).toBe('too-long');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0:00'],
    [59.2, '1:00'],
    [605, '10:05'],
    [3_725, '1:02:05'],
  ])('formats %d s as %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});
