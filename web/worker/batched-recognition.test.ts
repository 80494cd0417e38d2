import { join } from 'node:path';
import { env, pipeline, type AutomaticSpeechRecognitionPipeline } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav, speechDir } from '../../bench/speech-clips.ts';
import { SpeechSegmenter, type FinalSegmentEvent } from '../shared/segmenter.ts';
import { recogniseBatch } from './batched-recognition.ts';
import { recogniseSpeech } from './speech-recognition.ts';

/** The tiny generated Whisper (npm test generates it first). */
const MODEL_ID = 'sotto/whisper-tiny-random';

describe.each(['q8', 'fp32'] as const)('batched Whisper windows (%s)', (dtype) => {
  let recogniser: AutomaticSpeechRecognitionPipeline;

  beforeAll(async () => {
    env.localModelPath = join(import.meta.dirname, '..', '..', 'models');
    env.allowRemoteModels = false;
    recogniser = await pipeline('automatic-speech-recognition', MODEL_ID, { dtype });
  });

  afterAll(() => recogniser?.dispose());

  it('transcribe a file exactly as window by window does', async () => {
    const { samples } = readWav(join(speechDir, 'osr-harvard-list.wav'));
    const segmenter = new SpeechSegmenter({ partialIntervalSamples: Number.POSITIVE_INFINITY, maxSegmentSeconds: 6 });
    const segments = [...segmenter.push(samples), ...segmenter.end()].filter((event): event is FinalSegmentEvent => event.type === 'final');
    expect(segments.length).toBeGreaterThanOrEqual(3);
    const audios = segments.slice(0, 3).map((segment) => segment.audio);
    const language = { language: 'en' };
    const oneByOne = [];
    for (const audio of audios) oneByOne.push((await recogniseSpeech(recogniser, audio, language)).text.trim());
    expect(await recogniseBatch(recogniser, audios, language)).toEqual(oneByOne.map((text) => ({ text })));
  });
});
