export type AudioInputErrorCode =
  | 'unsupported-format'
  | 'corrupt'
  | 'silent'
  | 'too-long'
  | 'empty'
  | 'permission-denied'
  | 'no-microphone';

/** A problem with the user's audio input; `message` is meant to be shown to the user as is. */
export class AudioInputError extends Error {
  override readonly name = 'AudioInputError';

  constructor(
    readonly code: AudioInputErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type SupportedAudioFormat = 'wav' | 'mp3' | 'ogg' | 'webm' | 'flac' | 'm4a';

export const SUPPORTED_FORMATS_LABEL = 'WAV, MP3, OGG/Opus, WebM, FLAC, M4A';

const FORMAT_BY_MIME_TYPE: Readonly<Record<string, SupportedAudioFormat>> = {
  'audio/wav': 'wav',
  'audio/wave': 'wav',
  'audio/x-wav': 'wav',
  'audio/vnd.wave': 'wav',
  'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3',
  'audio/ogg': 'ogg',
  'audio/opus': 'ogg',
  'application/ogg': 'ogg',
  'audio/webm': 'webm',
  'video/webm': 'webm',
  'audio/flac': 'flac',
  'audio/x-flac': 'flac',
  'audio/mp4': 'm4a',
  'audio/m4a': 'm4a',
  'audio/x-m4a': 'm4a',
  'audio/aac': 'm4a',
};

const FORMAT_BY_EXTENSION: Readonly<Record<string, SupportedAudioFormat>> = {
  wav: 'wav',
  wave: 'wav',
  mp3: 'mp3',
  ogg: 'ogg',
  oga: 'ogg',
  opus: 'ogg',
  webm: 'webm',
  flac: 'flac',
  m4a: 'm4a',
  mp4: 'm4a',
  aac: 'm4a',
};

/**
 * Accepts a file when either its MIME type or its extension names a supported format
 * (browsers often report an empty or generic MIME type for audio files).
 */
export function checkFileType(name: string, mimeType: string): SupportedAudioFormat {
  const essence = mimeType.split(';')[0]!.trim().toLowerCase();
  const extension = /\.([^./\\]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
  const format = FORMAT_BY_MIME_TYPE[essence] ?? FORMAT_BY_EXTENSION[extension];
  if (!format) {
    throw new AudioInputError(
      'unsupported-format',
      `"${name}" is not a supported audio file. Supported formats: ${SUPPORTED_FORMATS_LABEL}.`,
    );
  }
  return format;
}

export interface AudioLimits {
  maxSeconds: number;
}

const SILENCE_RMS = 1e-4;
const SILENCE_PEAK = 1e-3;

/** Throws an AudioInputError when decoded audio is empty, too long, or silent. */
export function validateDecodedAudio(samples: Float32Array, sampleRate: number, limits: AudioLimits): void {
  if (samples.length === 0) {
    throw new AudioInputError('empty', 'The audio is empty, so there is nothing to transcribe.');
  }
  const durationSeconds = samples.length / sampleRate;
  if (durationSeconds > limits.maxSeconds) {
    throw new AudioInputError(
      'too-long',
      `The audio is ${formatDuration(durationSeconds)} long; the limit is ${formatDuration(limits.maxSeconds)}. ` +
        'Please use a shorter recording.',
    );
  }
  let sumOfSquares = 0;
  let peak = 0;
  for (const sample of samples) {
    sumOfSquares += sample * sample;
    peak = Math.max(peak, Math.abs(sample));
  }
  if (Math.sqrt(sumOfSquares / samples.length) < SILENCE_RMS && peak < SILENCE_PEAK) {
    throw new AudioInputError('silent', 'The audio is silent: no sound was detected.');
  }
}

/** Formats seconds as m:ss, or h:mm:ss from one hour on. */
export function formatDuration(seconds: number): string {
  const total = Math.ceil(seconds);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secondsPart = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${secondsPart}` : `${minutes}:${secondsPart}`;
}
