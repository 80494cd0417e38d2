import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { modelsDir, openSessions, useTinyModels } from '../../testing/tiny-translation-models.ts';
import { ContinuousDecoder } from './decode/continuous-decoder.ts';
import { startTranslationEngine, type TranslationEngine } from './engine.ts';
import { parseTranslationSettings } from './settings.ts';

/** Beam search through the engine and a real worker thread: its widths, and alternatives as /v1 and LibreTranslate answer them. */

const present = useTinyModels();
const nllb = 'sotto/nllb-tiny-random';
const languages = { srcLang: 'eng_Latn', tgtLang: 'deu_Latn' };
const texts = ['Good evening.', 'Could you tell me the way to the museum, please?', 'Ok'];

describe.skipIf(!present)('beam search in a real worker (continuous decoder, fp32)', () => {
  let engine: TranslationEngine;
  let local: ContinuousDecoder;
  const parsed = parseTranslationSettings({
    SOTTO_TRANSLATION_MODELS: nllb,
    SOTTO_TRANSLATION_WORKERS: '1',
    SOTTO_INFERENCE_ISOLATION: 'thread',
    SOTTO_PROVIDERS: 'cpu',
    SOTTO_TRANSLATION_PRECISION: 'fp32',
    SOTTO_DECODER: 'continuous',
    SOTTO_DECODE_BEAMS: '2',
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const settings = parsed.settings;

  /** What the worker should answer, from a decoder in this thread: each hypothesis' text once, best first. */
  const readings = async (text: string, beams: number) => [
    ...new Set((await local.hypotheses(text, languages, { beams })).map((tokens) => local.sessions.decode(tokens))),
  ];

  beforeAll(async () => {
    engine = await startTranslationEngine(settings, modelsDir, { log: () => {} });
    local = new ContinuousDecoder(
      await openSessions(nllb, { precision: 'fp32', threads: settings.threads }),
    );
    await vi.waitFor(() => expect(engine.models().find((model) => model.id === nllb)?.status).toBe('ready'), { timeout: 60_000, interval: 50 });
  }, 120_000);

  afterAll(async () => {
    await engine?.stop();
    await local?.sessions.dispose();
  });

  it("decodes at the server's width unless a request names its own, and answers the other hypotheses as alternatives", async () => {
    const byDefault = await engine.translate({ segments: texts, source: 'en', target: 'de' });
    const greedy = await engine.translate({ segments: texts, source: 'en', target: 'de', beams: 1 });
    const wide = await engine.translate({ segments: texts, source: 'en', target: 'de', beams: 4, alternatives: 3 });
    const expected = async (beams: number) => Promise.all(texts.map((text) => readings(text, beams)));
    expect(byDefault.translations).toEqual((await expected(2)).map((reading) => reading[0]));
    expect(greedy.translations).toEqual((await expected(1)).map((reading) => reading[0]));
    expect(wide.translations).toEqual((await expected(4)).map((reading) => reading[0]));
    expect(wide.alternatives).toEqual((await expected(4)).map((reading) => reading.slice(1)));
    expect(wide.alternatives!.some((others) => others.length > 0)).toBe(true);
  }, 60_000);

  it('answers LibreTranslate alternatives from a beam of alternatives + 1, and refuses a /v1 width above 4', async () => {
    const app = createApp(loadConfig({}), { service: engine, limits: settings.limits });
    const post = (route: string, body: object) =>
      app.request(route, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const libre = await post('/translate', { q: texts[1], source: 'en', target: 'de', alternatives: 2 });
    const [best, ...others] = await readings(texts[1]!, 3);
    expect(await libre.json()).toEqual({ translatedText: best, alternatives: others.slice(0, 2) });
    const refused = await post('/v1/translate', { segments: texts, source: 'en', target: 'de', beams: 5 });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ errors: [expect.objectContaining({ path: 'beams' })] });
  }, 60_000);
});
