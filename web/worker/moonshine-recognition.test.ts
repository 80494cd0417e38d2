import { join } from 'node:path';
import type { AutomaticSpeechRecognitionPipeline } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSpeechClips, readWav, speechDir } from '../../bench/speech-clips.ts';
import { localAsrPipeline } from '../../testing/local-asr-pipeline.ts';
import { committedTokenPrefix, maxTextTokens, PrefixForcedPartials, recogniseMoonshine } from './moonshine-recognition.ts';

/** The tiny generated Moonshine (npm test generates it first): random weights, so its text is garbage but deterministic. */
const MODEL_ID = 'sotto/moonshine-tiny-random';

describe('committedTokenPrefix', () => {
  const pieces = ['<s>', ' ask', ' n', 'ot', ',', ' what', ' your'];
  const decodeIds = (ids: number[]) => ids.map((id) => (id === 0 ? '' : pieces[id]!)).join('');
  const recognition = { text: decodeIds([0, 1, 2, 3, 4, 5, 6]), tokenIds: [0, 1, 2, 3, 4, 5, 6] };

  it('takes the longest run of tokens that spells the committed words', () => {
    expect(committedTokenPrefix(recognition, 'ask', decodeIds)).toEqual([0, 1]);
    expect(committedTokenPrefix(recognition, 'ask not,', decodeIds)).toEqual([0, 1, 2, 3, 4]);
    expect(committedTokenPrefix(recognition, 'ask not, what your', decodeIds)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // A committed word the hypothesis continues (LocalAgreement compares words without punctuation): its own tokens only.
    expect(committedTokenPrefix(recognition, 'ask not', decodeIds)).toEqual([0, 1, 2, 3]);
  });

  it('gives nothing to force when nothing is committed or the recognition does not start with the committed words', () => {
    expect(committedTokenPrefix(recognition, '', decodeIds)).toBeUndefined();
    expect(committedTokenPrefix(recognition, 'what', decodeIds)).toBeUndefined();
  });
});

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

  it('gives partials that keep their committed words, and equal free decoding where it starts with them', async () => {
    const partials = new PrefixForcedPartials(recogniser);
    const first = await partials.recognise(audio.subarray(0, 3 * 16_000), 0, '');
    const committed = first.text.split(/\s+/).filter(Boolean).slice(0, 2).join(' ');
    expect(committed).not.toBe('');
    expect((await partials.recognise(audio, 0, committed)).text.trim().startsWith(committed)).toBe(true);

    const free = await recogniseMoonshine(recogniser, audio);
    const again = new PrefixForcedPartials(recogniser);
    await again.recognise(audio, 1, '');
    const freeStart = free.text.split(/\s+/).filter(Boolean).slice(0, 2).join(' ');
    expect((await again.recognise(audio, 1, freeStart)).text).toBe(free.text);
  });
});
