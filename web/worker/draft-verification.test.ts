import { join } from 'node:path';
import { Tensor, type AutomaticSpeechRecognitionPipeline } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav, speechDir } from '../../bench/speech-clips.ts';
import { localAsrPipeline } from '../../testing/local-asr-pipeline.ts';
import { recogniseFromDraft, verifiedLength } from './draft-verification.ts';
import { recogniseMoonshine } from './moonshine-recognition.ts';

describe('verifiedLength', () => {
  /** Logits over a vocabulary of 4 whose argmax after position i is best[i]. */
  const logits = (best: number[]) => new Tensor('float32', Float32Array.from(best.flatMap((b) => [0, 1, 2, 3].map((t) => (t === b ? 1 : 0)))), [1, best.length, 4]);

  it('keeps the draft while each token is the argmax after the ones before it', () => {
    expect(verifiedLength(logits([2, 3, 1, 0]), [0, 2, 3, 1])).toBe(4);
    expect(verifiedLength(logits([2, 3, 1, 0]), [0, 2, 1, 1])).toBe(2);
    expect(verifiedLength(logits([2, 3]), [0, 1])).toBe(1);
    expect(verifiedLength(logits([2]), [0])).toBe(1);
  });
});

describe('recogniseFromDraft', () => {
  let recogniser: AutomaticSpeechRecognitionPipeline;
  const samples = readWav(join(speechDir, 'jfk.wav')).samples;
  const audio = samples.subarray(0, 5 * 16_000);

  beforeAll(async () => {
    recogniser = await localAsrPipeline(join(import.meta.dirname, '..', '..', 'models'), 'sotto/moonshine-tiny-random', 'q8');
  });

  afterAll(() => recogniser?.dispose());

  /** Decoder and encoder runs during `work`. */
  async function runsOf(work: () => Promise<unknown>): Promise<{ decoder: number; encoder: number }> {
    const sessions = (recogniser.model as unknown as { sessions: Record<string, { run: (...args: unknown[]) => Promise<unknown> }> }).sessions;
    const counts = { decoder: 0, encoder: 0 };
    const originals = Object.entries(sessions).map(([name, session]) => {
      const run = session.run;
      session.run = (...args) => {
        counts[name === 'model' ? 'encoder' : 'decoder'] += 1;
        return run.apply(session, args);
      };
      return () => void (session.run = run);
    });
    await work().finally(() => originals.forEach((restore) => restore()));
    return counts;
  }

  it('decodes a draft that free decoding agrees with in one decoder pass, on one encoder pass', async () => {
    const free = await recogniseMoonshine(recogniser, audio);
    expect(free.tokenIds.length).toBeGreaterThan(3);
    expect(await runsOf(() => recogniseMoonshine(recogniser, audio))).toEqual({ decoder: free.tokenIds.length - 1, encoder: 1 });
    const fromDraft = await runsOf(() => recogniseFromDraft(recogniser, audio, free.tokenIds));
    expect(fromDraft.encoder).toBe(1);
    expect(fromDraft.decoder).toBeLessThanOrEqual(3);
  });

  it('gives exactly the tokens of free decoding, whatever the draft', async () => {
    const free = await recogniseMoonshine(recogniser, audio);
    const shorter = await recogniseMoonshine(recogniser, audio.subarray(0, 3 * 16_000));
    const unrelated = [free.tokenIds[0]!, ...free.tokenIds.slice(1).reverse()];
    const longer = [...free.tokenIds, ...free.tokenIds.slice(1)];
    for (const draft of [[], free.tokenIds.slice(0, 1), free.tokenIds, free.tokenIds.slice(0, 5), shorter.tokenIds, unrelated, longer]) {
      expect(await recogniseFromDraft(recogniser, audio, draft)).toEqual(free);
    }
  });
});
