import { join } from 'node:path';
import type { AutomaticSpeechRecognitionPipeline } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav, speechDir } from '../../bench/speech-clips.ts';
import { localAsrPipeline } from '../../testing/local-asr-pipeline.ts';
import { committedTokenPrefix, PrefixForcedPartials } from './live-partials.ts';
import { recogniseMoonshine } from './moonshine-recognition.ts';

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

describe('PrefixForcedPartials', () => {
  let recogniser: AutomaticSpeechRecognitionPipeline;
  const audio = readWav(join(speechDir, 'jfk.wav')).samples.subarray(0, 4 * 16_000);

  beforeAll(async () => {
    recogniser = await localAsrPipeline(join(import.meta.dirname, '..', '..', 'models'), 'sotto/moonshine-tiny-random', 'q8');
  });

  afterAll(() => recogniser?.dispose());

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

  it('gives what step-by-step decoding after the committed tokens gives, with the previous partial as a draft', async () => {
    const partials = new PrefixForcedPartials(recogniser);
    const first = await recogniseMoonshine(recogniser, audio.subarray(0, 3 * 16_000));
    await partials.recognise(audio.subarray(0, 3 * 16_000), 2, '');
    const committed = first.text.split(/\s+/).filter(Boolean).slice(0, 1).join(' ');
    const forced = committedTokenPrefix(first, committed, (ids) => recogniser.tokenizer.decode(ids, { skip_special_tokens: true }))!;
    expect(forced.length).toBeGreaterThan(1);
    expect((await partials.recognise(audio, 2, committed)).text).toBe((await recogniseMoonshine(recogniser, audio, forced)).text);
  });
});
