import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot } from '../server/config.ts';

/** Real speech with reference transcripts, beside the checkout: ../shared/data/speech/. */
export const speechDir = resolve(repoRoot, '..', 'shared', 'data', 'speech');

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
