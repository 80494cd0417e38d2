import { join } from 'node:path';
import { env, pipeline, type AutomaticSpeechRecognitionPipeline, type Tensor } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav, speechDir } from '../../bench/speech-clips.ts';
import { SpeechSegmenter, type FinalSegmentEvent } from '../shared/segmenter.ts';
import { encodeWindows, recogniseBatch } from './batched-recognition.ts';
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

describe('file lanes: one thread computes what two do', () => {
  it('gives the same encoder states bit for bit and the same text, whatever the thread count', async () => {
    env.localModelPath = join(import.meta.dirname, '..', '..', 'models');
    env.allowRemoteModels = false;
    const { samples } = readWav(join(speechDir, 'osr-harvard-list.wav'));
    const windows = [samples.subarray(0, 30 * 16_000), samples.subarray(30 * 16_000)];
    const results: { states: Buffer; texts: string[] }[] = [];
    for (const threads of [1, 2]) {
      const options = { dtype: 'q8', session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 } } as Parameters<typeof pipeline>[2];
      const recogniser = (await pipeline('automatic-speech-recognition', MODEL_ID, options)) as AutomaticSpeechRecognitionPipeline;
      try {
        const { encoder_outputs } = await encodeWindows(recogniser, windows);
        const texts = (await recogniseBatch(recogniser, windows, { language: 'en' })).map((recognition) => recognition.text);
        results.push({ states: Buffer.from((encoder_outputs.data as Float32Array).buffer), texts });
      } finally {
        await recogniser.dispose();
      }
    }
    expect(results[0]!.states.equals(results[1]!.states)).toBe(true);
    expect(results[0]!.texts).toEqual(results[1]!.texts);
  });
});
