import { join } from 'node:path';
import type { AutomaticSpeechRecognitionPipeline } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSpeechClips, readWav, speechDir } from '../../bench/speech-clips.ts';
import { localAsrPipeline } from '../../testing/local-asr-pipeline.ts';
import { maxTextTokens, recogniseMoonshine } from './moonshine-recognition.ts';

/** The tiny generated Moonshine (npm test generates it first): random weights, so its text is garbage but deterministic. */
const MODEL_ID = 'sotto/moonshine-tiny-random';

describe('maxTextTokens', () => {
  // The generated models' tokenizers are pseudo-vocabularies, so real speech is counted in words: English BPE and
  // SentencePiece vocabularies such as Moonshine's average about 1.3 tokens per word, counted here as 1.5, plus one per punctuation mark.
  it.each(readSpeechClips().map((clip) => [clip.file, clip] as const))('leaves room for the real transcript of %s', (_, clip) => {
    const words = clip.transcript.split(/\s+/).filter(Boolean).length;
    const punctuation = clip.transcript.replace(/[\p{L}\p{N}\s']/gu, '').length;
    expect(Math.ceil(words * 1.5) + punctuation).toBeLessThanOrEqual(maxTextTokens(Math.round(clip.seconds * 16_000)));
  });
});

describe('recogniseMoonshine', () => {
  let recogniser: AutomaticSpeechRecognitionPipeline;
  const audio = readWav(join(speechDir, 'jfk.wav')).samples.subarray(0, 4 * 16_000);

  beforeAll(async () => {
    recogniser = await localAsrPipeline(join(import.meta.dirname, '..', '..', 'models'), MODEL_ID, 'q8');
  });

  afterAll(() => recogniser?.dispose());

  it('decodes freely as the transformers.js pipeline does, within the token limit for the audio length', async () => {
    const free = await recogniseMoonshine(recogniser, audio);
    const options = { max_new_tokens: maxTextTokens(audio.length) } as unknown as Parameters<AutomaticSpeechRecognitionPipeline['_call']>[1];
    const viaPipeline = (await recogniser(audio, options)) as { text: string };
    expect(free.text).toBe(viaPipeline.text);
    expect(free.tokenIds.length - 1).toBeLessThanOrEqual(maxTextTokens(audio.length));
  });

  it('with the start of its own free decoding forced, gives the same tokens as free decoding', async () => {
    const free = await recogniseMoonshine(recogniser, audio);
    expect(free.tokenIds.length).toBeGreaterThan(4);
    for (const length of [2, Math.floor(free.tokenIds.length / 2), free.tokenIds.length - 1]) {
      expect((await recogniseMoonshine(recogniser, audio, free.tokenIds.slice(0, length))).tokenIds).toEqual(free.tokenIds);
    }
  });

  it('keeps a forced prefix unchanged even where free decoding would differ, and stays within the token limit', async () => {
    const free = await recogniseMoonshine(recogniser, audio);
    const other = free.tokenIds.map((id, i) => (i === 0 ? id : free.tokenIds[(i % (free.tokenIds.length - 1)) + 1]!)).reverse();
    const prefix = [free.tokenIds[0]!, ...other.slice(0, 3)];
    const forced = await recogniseMoonshine(recogniser, audio, prefix);
    expect(forced.tokenIds.slice(0, prefix.length)).toEqual(prefix);
    expect(forced.tokenIds.length - 1).toBeLessThanOrEqual(maxTextTokens(audio.length));
  });
});
