import { existsSync } from 'node:fs';
import { pipeline } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelDirOf, openSessions, useTinyModels } from '../../../testing/tiny-translation-models.ts';
import { ContinuousDecoder } from './continuous-decoder.ts';

/** The own decode loop on the generated tiny models: the token ids of transformers.js' generate(), alone or batched. */

const present = useTinyModels();

const texts = [
  'Good evening.',
  'Could you tell me the way to the museum, please?',
  'Ok',
  'After the long winter the river rose quickly and flooded the fields of the small village below.',
  'Prices: 4, 5 and 6 euros.',
  'Is this seat free?',
];

const models = [
  { id: 'sotto/opus-mt-en-de-tiny-random', languages: {} },
  { id: 'sotto/nllb-tiny-random', languages: { srcLang: 'eng_Latn', tgtLang: 'deu_Latn' } },
] as const;

const open = (id: string, precision: 'fp32' | 'q8') => openSessions(id, { precision });

type Generator = {
  tokenizer: { _build_translation_inputs?: (t: string[], o: object, k: Record<string, unknown>) => object; (t: string, o: object): object };
  model: { generate(inputs: object): Promise<{ tolist(): bigint[][] }> };
  dispose(): Promise<void>;
};

async function generateIds(translator: Generator, text: string, languages: { srcLang?: string; tgtLang?: string }): Promise<number[]> {
  const kwargs: Record<string, unknown> = languages.tgtLang ? { src_lang: languages.srcLang, tgt_lang: languages.tgtLang } : {};
  const options = { padding: true, truncation: true };
  const build = translator.tokenizer._build_translation_inputs;
  const inputs = languages.tgtLang && build ? build.call(translator.tokenizer, [text], options, kwargs) : translator.tokenizer(text, options);
  const output = await translator.model.generate({ ...inputs, max_new_tokens: 256, ...kwargs });
  return output.tolist()[0]!.map(Number);
}

/** Up to and including the first end-of-sentence after the start token: generate() pads nothing when alone. */
const untilEnd = (ids: number[], eos: number) => {
  const end = ids.indexOf(eos, 1);
  return end === -1 ? ids : ids.slice(0, end + 1);
};

describe.skipIf(!present).each(models)('the own decode loop on $id', ({ id, languages }) => {
  let decoder: ContinuousDecoder;
  let quantized: ContinuousDecoder;

  beforeAll(async () => {
    decoder = new ContinuousDecoder(await open(id, 'fp32'));
    quantized = new ContinuousDecoder(await open(id, 'q8'));
  }, 60_000);

  afterAll(async () => {
    await decoder?.sessions.dispose();
    await quantized?.sessions.dispose();
  });

  it('rewrites the decoder for ragged batches and passes its self-check', async () => {
    expect(decoder.sessions.raggedProblem).toBeUndefined();
    expect(await decoder.selfCheck(languages)).toBeUndefined();
    expect(await quantized.selfCheck(languages)).toBeUndefined();
  });

  it('gives the token ids of transformers.js generate() (fp32, greedy)', async () => {
    const translator = (await pipeline('translation', id, { dtype: 'fp32' })) as unknown as Generator;
    try {
      for (const text of texts) {
        const expected = untilEnd(await generateIds(translator, text, languages), decoder.sessions.rules.eosTokenId);
        expect(await decoder.translateIds(text, languages)).toEqual(expected);
      }
    } finally {
      await translator.dispose();
    }
  }, 60_000);

  it.each(['fp32', 'q8'] as const)('gives every sequence the same ids alone and joining or leaving a running decode (%s)', async (precision) => {
    const loop = precision === 'fp32' ? decoder : quantized;
    const alone: number[][] = [];
    for (const text of texts) alone.push(await loop.translateIds(text, languages));
    // Two start together, the others join one and two steps later; short ones leave while long ones run on.
    const together: Promise<number[]>[] = [loop.translateIds(texts[3]!, languages), loop.translateIds(texts[2]!, languages)];
    await loop.nextStep();
    together.push(loop.translateIds(texts[0]!, languages), loop.translateIds(texts[1]!, languages));
    await loop.nextStep();
    together.push(loop.translateIds(texts[4]!, languages), loop.translateIds(texts[5]!, languages));
    expect(await Promise.all(together)).toEqual([3, 2, 0, 1, 4, 5].map((i) => alone[i]));
  });

  it('takes a cancelled sequence out mid-decode and lets the others finish', async () => {
    const controller = new AbortController();
    const cancelled = decoder.translateIds(texts[3]!, languages, controller.signal);
    const other = decoder.translateIds(texts[1]!, languages);
    await decoder.nextStep();
    controller.abort();
    await expect(cancelled).rejects.toThrow(/client went away/);
    expect(await other).toEqual(await decoder.translateIds(texts[1]!, languages));
    expect(decoder.stats()).toMatchObject({ running: 0, waiting: 0 });
  });

  it('keeps to the sequence limit, admitting the waiting ones as others finish', async () => {
    const limited = new ContinuousDecoder(decoder.sessions, { maxSequences: 2, tokenBudget: 1_000_000 });
    const all = texts.map((text) => limited.translateIds(text, languages));
    const seen: number[] = [];
    while (limited.stats().waiting > 0) {
      await limited.nextStep();
      seen.push(limited.stats().running);
    }
    expect(Math.max(...seen)).toBe(2);
    expect(await Promise.all(all)).toEqual(await Promise.all(texts.map((text) => decoder.translateIds(text, languages))));
  });
});

it.skipIf(!present)('falls back to lock-step batches with the export\'s decoder, each sequence getting the same ids alone and together', async () => {
  const id = 'sotto/opus-mt-en-de-tiny-random';
  const sessions = await openSessions(id, { precision: 'q8', raggedBatches: false });
  try {
    const lockStep = new ContinuousDecoder(sessions);
    expect(await lockStep.selfCheck({})).toMatch(/not asked for/);
    const alone: number[][] = [];
    for (const text of texts) alone.push(await lockStep.translateIds(text, {}));
    const together = [lockStep.translateIds(texts[3]!, {}), lockStep.translateIds(texts[0]!, {})];
    await lockStep.nextStep();
    together.push(...[1, 2, 4, 5].map((i) => lockStep.translateIds(texts[i]!, {})));
    expect(await Promise.all(together)).toEqual([3, 0, 1, 2, 4, 5].map((i) => alone[i]));
  } finally {
    await sessions.dispose();
  }
});

it.skipIf(!present || existsSync(modelDirOf('sotto/nope')))('fails a decode on a model without a generation config clearly', async () => {
  await expect(openSessions('sotto/nope', { precision: 'fp32' })).rejects.toThrow(/config\.json/);
});
