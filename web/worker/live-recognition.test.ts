import { join } from 'node:path';
import { env, pipeline, type AutomaticSpeechRecognitionPipeline } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav, speechDir } from '../../bench/speech-clips.ts';
import type { TranscriptEvent } from '../shared/asr-protocol.ts';
import { SpeechSegmenter } from '../shared/segmenter.ts';
import { TranscriptionScheduler } from '../shared/transcription-scheduler.ts';
import { recogniseFromDraft } from './draft-verification.ts';
import { PrefixForcedPartials } from './live-partials.ts';
import { recogniseSpeech } from './speech-recognition.ts';

/** The tiny generated Moonshine (npm test generates it first), streamed as the worker streams a recording. */
const MODEL_ID = 'sotto/moonshine-tiny-random';
const CHUNK_SAMPLES = 1_600;

describe('live recognition with Moonshine', () => {
  let recogniser: AutomaticSpeechRecognitionPipeline;

  beforeAll(async () => {
    env.localModelPath = join(import.meta.dirname, '..', '..', 'models');
    env.allowRemoteModels = false;
    recogniser = await pipeline('automatic-speech-recognition', MODEL_ID, { dtype: 'q8' });
  });

  afterAll(() => recogniser?.dispose());

  it('gives partials while the speaker talks, and finals equal to recognising each whole segment', async () => {
    const { samples } = readWav(join(speechDir, 'jfk.wav'));
    const events: TranscriptEvent[] = [];
    const segments: Float32Array[] = [];
    const recognise = (audio: Float32Array) => recogniseSpeech(recogniser, audio, { language: 'en' });
    // As the worker does: partials force their committed words as the decoder prefix, finals start from the latest partial's tokens.
    const partials = new PrefixForcedPartials(recogniser);
    const scheduler = new TranscriptionScheduler(
      (audio, purpose) =>
        purpose.type === 'partial' ? partials.recognise(audio, purpose.segmentId, purpose.committedText) : recogniseFromDraft(recogniser, audio, partials.latestTokens(purpose.segmentId)),
      (event) => void events.push(event),
    );
    const segmenter = new SpeechSegmenter({ maxSegmentSeconds: 9 });
    const handle = (batch: ReturnType<SpeechSegmenter['push']>) =>
      batch.forEach((event) => {
        if (event.type === 'final') segments.push(event.audio);
        scheduler.handle(event);
      });
    for (let offset = 0; offset < samples.length; offset += CHUNK_SAMPLES) {
      handle(segmenter.push(samples.subarray(offset, offset + CHUNK_SAMPLES)));
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    handle(segmenter.end());
    await scheduler.idle();

    const finals = events.filter((event) => event.type === 'final');
    expect(events.some((event) => event.type === 'partial' && event.text !== '')).toBe(true);
    expect(finals.length).toBe(segments.length);
    const wholeSegments = await Promise.all(segments.map(async (audio) => (await recognise(audio)).text.trim()));
    expect(finals.map((event) => event.text)).toEqual(wholeSegments);
    expect(finals.every((event) => event.text !== '')).toBe(true);
    // A partial starts with the words committed before it, and its committed words extend the earlier ones.
    const partialEvents = events.filter((event) => event.type === 'partial');
    partialEvents.forEach((event, i) => {
      const before = partialEvents[i - 1]?.segmentId === event.segmentId ? partialEvents[i - 1]!.committedText! : '';
      expect(event.text.startsWith(before)).toBe(true);
      expect(event.committedText!.startsWith(before)).toBe(true);
    });
    expect(partialEvents.some((event) => event.committedText !== '')).toBe(true);
  });

  it('recognises a segment shorter than a second (transformers.js would cap its text at 0 tokens)', async () => {
    const { samples } = readWav(join(speechDir, 'jfk.wav'));
    expect((await recogniseSpeech(recogniser, samples.subarray(16_000, 16_000 + 8_000), { language: 'en' })).text.trim()).not.toBe('');
  });
});
