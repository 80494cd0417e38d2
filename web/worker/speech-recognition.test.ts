import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { env, pipeline, type AutomaticSpeechRecognitionPipeline } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSpeechClips, readWav, speechDir } from '../../bench/speech-clips.ts';
import { sharedDataFile } from '../../testing/shared-data.ts';
import { parseManifest } from '../../contract/manifest-schema.ts';
import { DETECT_LANGUAGE } from '../shared/language-detection.ts';
import { recogniseSpeech } from './speech-recognition.ts';

const modelsDir = join(import.meta.dirname, '..', '..', 'models');
/** The tiny generated Whisper (npm test generates it first): random weights, so only the mechanics are checked, not which language wins. */
const MODEL_ID = 'sotto/whisper-tiny-random';
const CANDIDATES = ['en', 'de', 'fr', 'es', 'ja'];

/** Two seconds of a deterministic, speech-like signal: a gliding tone with a syllable-rate envelope. */
function signal(seed: number): Float32Array {
  return Float32Array.from({ length: 32_000 }, (_, i) => {
    const t = i / 16_000;
    return 0.3 * Math.sin(2 * Math.PI * (180 + 60 * seed + 40 * t) * t) * (0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t));
  });
}

describe('recogniseSpeech', () => {
  let recogniser: AutomaticSpeechRecognitionPipeline;
  let encoderRuns = 0;

  beforeAll(async () => {
    env.localModelPath = modelsDir;
    env.allowRemoteModels = false;
    recogniser = await pipeline('automatic-speech-recognition', MODEL_ID, { dtype: 'q8' });
    const encoder = (recogniser.model as unknown as { sessions: Record<string, { run: (...args: unknown[]) => Promise<unknown> }> }).sessions.model!;
    const run = encoder.run.bind(encoder);
    encoder.run = (...args) => {
      encoderRuns += 1;
      return run(...args);
    };
  });

  afterAll(() => recogniser?.dispose());

  it('with a language given, transcribes in it and detects nothing', async () => {
    const recognition = await recogniseSpeech(recogniser, signal(1), { language: 'de', candidates: CANDIDATES });
    expect(recognition.text.trim()).not.toBe('');
    expect(recognition.detectedLanguage).toBeUndefined();
  });

  it('detects one of the candidates, with its probability, and transcribes as if that language had been chosen', async () => {
    const audio = signal(2);
    const detected = await recogniseSpeech(recogniser, audio, { language: DETECT_LANGUAGE, candidates: CANDIDATES });
    expect(CANDIDATES).toContain(detected.detectedLanguage?.code);
    expect(detected.detectedLanguage!.probability).toBeGreaterThan(1 / CANDIDATES.length - 1e-6);
    expect(detected.detectedLanguage!.probability).toBeLessThanOrEqual(1);
    const chosen = await recogniseSpeech(recogniser, audio, { language: detected.detectedLanguage!.code, candidates: CANDIDATES });
    expect(detected.text).toBe(chosen.text);
  });

  it('runs the encoder once for detection and transcription together', async () => {
    const before = encoderRuns;
    await recogniseSpeech(recogniser, signal(3), { language: DETECT_LANGUAGE, candidates: CANDIDATES });
    expect(encoderRuns - before).toBe(1);
  });

  it('picks only among the candidates, and a narrower set that keeps the winner keeps it', async () => {
    const audio = signal(4);
    const wide = (await recogniseSpeech(recogniser, audio, { language: DETECT_LANGUAGE, candidates: CANDIDATES })).detectedLanguage!;
    const other = CANDIDATES.find((code) => code !== wide.code)!;
    const narrow = (await recogniseSpeech(recogniser, audio, { language: DETECT_LANGUAGE, candidates: [other, wide.code] })).detectedLanguage!;
    expect(narrow.code).toBe(wide.code);
    expect(narrow.probability).toBeGreaterThanOrEqual(wide.probability);
    expect((await recogniseSpeech(recogniser, audio, { language: DETECT_LANGUAGE, candidates: [other] })).detectedLanguage).toEqual({ code: other, probability: 1 });
  });

  it('says so when the model is English-only', async () => {
    const englishOnly = { model: { generation_config: { decoder_start_token_id: 0, lang_to_id: null } } } as unknown as AutomaticSpeechRecognitionPipeline;
    await expect(recogniseSpeech(englishOnly, signal(1), { language: DETECT_LANGUAGE, candidates: CANDIDATES })).rejects.toThrow(/knows one language only/);
  });
});

/** The first real (hub) Whisper in the manifest: present after `npm run models:fetch`. */
const realWhisper = parseManifest(JSON.parse(readFileSync(join(modelsDir, 'manifest.json'), 'utf8'))).models.find(
  (model) => model.architecture === 'whisper' && model.source.type === 'hub',
)!;
const realWeights = existsSync(join(modelsDir, realWhisper.id, 'config.json'));
const speechData = sharedDataFile('speech/transcripts.tsv') !== undefined;

describe.skipIf(!realWeights || !speechData)(
  `language detection quality on real speech (${!realWeights ? `skipped: ${realWhisper.id} not present, run npm run models:fetch` : !speechData ? `skipped: no speech data at ${speechDir}` : realWhisper.id})`,
  () => {
    it('names the language of every recording in the shared speech set among all the model knows', async () => {
      env.localModelPath = modelsDir;
      env.allowRemoteModels = false;
      const real = await pipeline('automatic-speech-recognition', realWhisper.id, { dtype: 'q8' });
      try {
        for (const clip of readSpeechClips()) {
          const { samples } = readWav(clip.path);
          const { detectedLanguage } = await recogniseSpeech(real, samples.subarray(0, 30 * 16_000), { language: DETECT_LANGUAGE });
          expect(detectedLanguage?.code, clip.file).toBe(clip.language);
        }
      } finally {
        await real.dispose();
      }
    }, 300_000);
  },
);
