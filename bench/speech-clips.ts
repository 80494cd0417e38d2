import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDataDir } from '../testing/shared-data.ts';

/** Real speech with reference transcripts, beside the checkout: ../shared/data/speech/. */
export const speechDir = join(sharedDataDir, 'speech');

export interface SpeechClip {
  file: string;
  path: string;
  language: string;
  seconds: number;
  transcript: string;
}

/** Reads transcripts.tsv (columns: file, language, seconds, transcript, source). */
export function readSpeechClips(dir = speechDir): SpeechClip[] {
  const index = join(dir, 'transcripts.tsv');
  if (!existsSync(index)) throw new Error(`No speech data at ${dir} (expected transcripts.tsv and WAV files there)`);
  const [header, ...rows] = readFileSync(index, 'utf8').split('\n').filter((line) => line.trim().length > 0);
  const columns = header!.split('\t');
  const column = (name: string) => {
    const at = columns.indexOf(name);
    if (at < 0) throw new Error(`${index} has no "${name}" column`);
    return at;
  };
  const [file, language, seconds, transcript] = ['file', 'language', 'seconds', 'transcript'].map(column) as [number, number, number, number];
  return rows.map((row) => {
    const cells = row.split('\t');
    return { file: cells[file]!, path: join(dir, cells[file]!), language: cells[language]!, seconds: Number(cells[seconds]), transcript: cells[transcript]! };
  });
}

/** Picks clips by file name ("jfk" or "jfk.wav"), or all of them for "all". */
export function selectClips(clips: readonly SpeechClip[], names: readonly string[]): SpeechClip[] {
  if (names.length === 1 && names[0] === 'all') return [...clips];
  return names.map((name) => {
    const clip = clips.find((c) => c.file === name || c.file === `${name}.wav`);
    if (!clip) throw new Error(`Unknown clip "${name}" (known: ${clips.map((c) => c.file).join(', ')})`);
    return clip;
  });
}

/** 16-bit PCM mono WAV → samples in [-1, 1), walking the RIFF chunks rather than assuming a 44-byte header. */
export function readWav(path: string): { sampleRate: number; samples: Float32Array } {
  const buffer = readFileSync(path);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const tag = (offset: number) => buffer.toString('ascii', offset, offset + 4);
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error(`${path} is not a RIFF/WAVE file`);
  let format: { audioFormat: number; channels: number; sampleRate: number; bitsPerSample: number } | undefined;
  for (let offset = 12; offset + 8 <= buffer.byteLength; ) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      format = {
        audioFormat: view.getUint16(body, true),
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bitsPerSample: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!format || format.audioFormat !== 1 || format.channels !== 1 || format.bitsPerSample !== 16) {
        throw new Error(`${path}: expected 16-bit PCM mono, got ${JSON.stringify(format)}`);
      }
      const count = Math.min(size, buffer.byteLength - body) >> 1;
      const samples = Float32Array.from({ length: count }, (_, i) => view.getInt16(body + 2 * i, true) / 32768);
      return { sampleRate: format.sampleRate, samples };
    }
    offset = body + size + (size % 2);
  }
  throw new Error(`${path} has no data chunk`);
}
