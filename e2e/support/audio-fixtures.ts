import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDataFile } from '../../testing/shared-data.ts';

export interface AudioFixtures {
  /** A spoken English sentence, 0.5 s of silence before and 2 s after, 16 kHz mono 16-bit WAV. */
  speech: string;
  /** `speech` repeated, long enough to cancel while it is being transcribed. */
  long: string;
  /** Two seconds of digital silence. */
  silent: string;
  /** A WAV header cut off inside its format chunk. */
  broken: string;
  /** Plain text. */
  notes: string;
}

const SENTENCE = 'Speech recognition runs on this device.';
const LONG_REPEATS = 20;
const WAV_FORMAT = ['-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer'];

function tool(command: string, args: string[]): void {
  execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Writes the fixtures into `dir` with espeak-ng and sox (both installed by .ci/run). */
export function createAudioFixtures(dir: string): AudioFixtures {
  const fixtures: AudioFixtures = {
    speech: join(dir, 'speech.wav'),
    long: join(dir, 'long.wav'),
    silent: join(dir, 'silent.wav'),
    broken: join(dir, 'broken.wav'),
    notes: join(dir, 'notes.txt'),
  };
  const raw = join(dir, 'espeak.wav');
  tool('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', raw, SENTENCE]);
  tool('sox', [raw, ...WAV_FORMAT, fixtures.speech, 'pad', '0.5', '2']);
  tool('sox', [...Array<string>(LONG_REPEATS).fill(fixtures.speech), fixtures.long]);
  tool('sox', ['-n', ...WAV_FORMAT, fixtures.silent, 'trim', '0', '2']);
  // RIFF, size, WAVE, "fmt ", chunk size, then 4 of the chunk's 16 bytes.
  writeFileSync(fixtures.broken, readFileSync(fixtures.speech).subarray(0, 24));
  writeFileSync(fixtures.notes, 'Shopping list: milk, eggs, bread.\n');
  return fixtures;
}

/** A recording from the shared speech data set (../shared/data/speech), when this checkout has it. */
export function sharedSpeechFile(name: string): string | undefined {
  return sharedDataFile(`speech/${name}`);
}
