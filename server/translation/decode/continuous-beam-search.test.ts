import { readFileSync } from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadlineExceeded } from '../errors.ts';
import { modelDirOf, openSessions, useTinyModels } from '../../../testing/tiny-translation-models.ts';
import { ContinuousDecoder } from './continuous-decoder.ts';
import type { GenerationRules } from './generation-rules.ts';
import type { EncodedSource } from './seq2seq-sessions.ts';

/**
 * The decoder's beam search against a reference written apart from it: transformers' beam search as its
 * Python reads (width copies of the start, all but the first at -1e9; candidates sorted over width ×
 * vocabulary), each hypothesis scored by a decoder call without cache over its whole prefix, one at a time,
 * on the original (not rewritten) decoder file.
 */

const present = useTinyModels();
// Short outputs keep the reference's full-prefix calls cheap and make some hypotheses end at the longest output.
const maxNewTokens = 12;

const texts = ['Good evening.', 'Could you tell me the way to the museum, please?', 'Ok', 'Prices: 4, 5 and 6 euros.'];

const models = [
  { id: 'sotto/opus-mt-en-de-tiny-random', languages: {} },
  { id: 'sotto/nllb-tiny-random', languages: { srcLang: 'eng_Latn', tgtLang: 'deu_Latn' } },
] as const;


/** Encoder and merged decoder, the decoder run over a whole prefix with no past (use_cache_branch false). */
class FullPrefixModel {
  private constructor(
    private readonly encoder: ort.InferenceSession,
    private readonly decoder: ort.InferenceSession,
    private readonly heads: number,
    private readonly headDim: number,
  ) {}

  static async open(dir: string): Promise<FullPrefixModel> {
    const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as { d_model: number; decoder_attention_heads: number };
    const options = { intraOpNumThreads: 1, interOpNumThreads: 1 };
    const encoder = await ort.InferenceSession.create(path.join(dir, 'onnx', 'encoder_model.onnx'), options);
    const decoder = await ort.InferenceSession.create(path.join(dir, 'onnx', 'decoder_model_merged.onnx'), options);
    return new FullPrefixModel(encoder, decoder, config.decoder_attention_heads, config.d_model / config.decoder_attention_heads);
  }

  async encode(ids: number[]): Promise<{ states: ort.Tensor; mask: ort.Tensor }> {
    const mask = new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]);
    const output = await this.encoder.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]), attention_mask: mask });
    return { states: output.last_hidden_state!, mask };
  }

  async lastLogits(encoded: { states: ort.Tensor; mask: ort.Tensor }, tokens: readonly number[]): Promise<Float32Array> {
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(tokens, BigInt), [1, tokens.length]),
      encoder_hidden_states: encoded.states,
      encoder_attention_mask: encoded.mask,
      use_cache_branch: new ort.Tensor('bool', Uint8Array.of(0), [1]),
    };
    for (const name of this.decoder.inputNames) {
      if (name.startsWith('past_key_values.')) feeds[name] = new ort.Tensor('float32', new Float32Array(0), [1, this.heads, 0, this.headDim]);
    }
    const logits = (await this.decoder.run(feeds)).logits!;
    const vocab = logits.dims[2]!;
    return (logits.data as Float32Array).slice((tokens.length - 1) * vocab, tokens.length * vocab);
  }

  async dispose(): Promise<void> {
    await Promise.all([this.encoder.release(), this.decoder.release()]);
  }
}

/** transformers' beam search (GenerationMixin._beam_search with BeamSearchScorer), written out plainly; finite hypotheses, best first. */
async function referenceBeamSearch(model: FullPrefixModel, source: EncodedSource, width: number, rules: GenerationRules): Promise<number[][]> {
  const encoded = await model.encode(source.ids);
  let beams = Array.from({ length: width }, (_, i) => ({ tokens: [rules.decoderStartTokenId], score: i === 0 ? 0 : -1e9 }));
  const hypotheses: { tokens: number[]; score: number }[] = [];
  let worst = 1e9;
  const add = (tokens: number[], sum: number, generatedLength: number) => {
    const score = sum / generatedLength ** rules.lengthPenalty;
    if (hypotheses.length < width || score > worst) {
      hypotheses.push({ tokens, score });
      if (hypotheses.length > width) {
        const sorted = hypotheses.map((h, i) => [h.score, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        hypotheses.splice(sorted[0]![1], 1);
        worst = sorted[1]![0];
      } else {
        worst = Math.min(score, worst);
      }
    }
  };
  for (;;) {
    const length = beams[0]!.tokens.length;
    const candidates: { beam: number; token: number; score: number }[] = [];
    for (const [b, beam] of beams.entries()) {
      const logits = beam.score === -Infinity ? undefined : await model.lastLogits(encoded, beam.tokens);
      const vocab = logits?.length ?? 1;
      const max = logits ? Math.max(...logits) : 0;
      const logZ = logits ? max + Math.log(logits.reduce((sum, x) => sum + Math.exp(x - max), 0)) : 0;
      const scores = Array.from({ length: logits?.length ?? 0 }, (_, t) => logits![t]! - logZ);
      for (const word of rules.badWordsIds) {
        const prefix = word.slice(0, -1);
        if (prefix.every((id, i) => beam.tokens[beam.tokens.length - prefix.length + i] === id)) scores[word[word.length - 1]!] = -Infinity;
      }
      const force = (token: number) => scores.forEach((_, t) => (scores[t] = t === token ? 0 : -Infinity));
      if (source.forcedBosTokenId !== undefined && length === 1) force(source.forcedBosTokenId);
      if (rules.forcedEosTokenId !== undefined && length === rules.maxLength - 1) force(rules.forcedEosTokenId);
      for (let t = 0; t < vocab; t += 1) candidates.push({ beam: b, token: t, score: (scores[t] ?? -Infinity) + beam.score });
    }
    const top = candidates
      .map((c, i) => ({ ...c, i }))
      .sort((a, z) => (z.score === a.score ? a.i - z.i : z.score > a.score ? 1 : -1))
      .slice(0, 2 * width);
    const next: typeof beams = [];
    for (const [rank, c] of top.entries()) {
      if (c.token === rules.eosTokenId) {
        if (rank < width) add([...beams[c.beam]!.tokens, c.token], c.score, length);
      } else {
        next.push({ tokens: [...beams[c.beam]!.tokens, c.token], score: c.score });
      }
      if (next.length === width) break;
    }
    const best = top[0]!.score;
    const done = hypotheses.length >= width && (rules.earlyStopping === true || worst >= best / length ** rules.lengthPenalty);
    if (done) break;
    beams = next;
    if (length + 1 >= rules.maxLength) {
      for (const beam of beams) add(beam.tokens, beam.score, beam.tokens.length - 1);
      break;
    }
  }
  return hypotheses
    .map((h, i) => ({ ...h, i }))
    .filter((h) => Number.isFinite(h.score))
    .sort((a, b) => b.score - a.score || b.i - a.i)
    .map((h) => h.tokens);
}

describe.skipIf(!present).each(models)('beam search in the own decode loop on $id (fp32)', ({ id, languages }) => {
  let decoder: ContinuousDecoder;
  let reference: FullPrefixModel;
  const expected = new Map<string, number[][]>();

  beforeAll(async () => {
    const sessions = await openSessions(id, { precision: 'fp32', maxNewTokens });
    decoder = new ContinuousDecoder(sessions);
    reference = await FullPrefixModel.open(modelDirOf(id));
  }, 60_000);

  afterAll(async () => {
    await decoder?.sessions.dispose();
    await reference?.dispose();
  });

  const referenceFor = async (text: string, width: number) => {
    const key = `${width}:${text}`;
    if (!expected.has(key)) expected.set(key, await referenceBeamSearch(reference, decoder.sessions.tokenize(text, languages), width, decoder.sessions.rules));
    return expected.get(key)!;
  };

  it('gives the reference hypotheses, token for token and in order, at widths 2 to 4 (alone)', async () => {
    for (const width of [2, 3, 4]) {
      for (const text of texts) expect(await decoder.hypotheses(text, languages, { beams: width }), `${width}: ${text}`).toEqual(await referenceFor(text, width));
    }
  }, 120_000);

  it('keeps width 1 the greedy search', async () => {
    for (const text of texts) expect(await decoder.hypotheses(text, languages, { beams: 1 })).toEqual([await decoder.translateIds(text, languages)]);
  });

  it('gives every sequence its alone result while greedy and beam sequences share a decode, joining and leaving', async () => {
    const widths = [4, 1, 2, 1, 3, 2];
    const jobs = widths.map((width, i) => ({ width, text: texts[i % texts.length]! }));
    const alone: number[][][] = [];
    for (const job of jobs) alone.push(job.width === 1 ? [await decoder.translateIds(job.text, languages)] : await referenceFor(job.text, job.width));
    const together = [decoder.hypotheses(jobs[0]!.text, languages, { beams: jobs[0]!.width }), decoder.hypotheses(jobs[1]!.text, languages, { beams: jobs[1]!.width })];
    await decoder.nextStep();
    together.push(...jobs.slice(2, 4).map((job) => decoder.hypotheses(job.text, languages, { beams: job.width })));
    await decoder.nextStep();
    await decoder.nextStep();
    together.push(...jobs.slice(4).map((job) => decoder.hypotheses(job.text, languages, { beams: job.width })));
    expect(await Promise.all(together)).toEqual(alone);
  }, 120_000);

  it.each([
    ['cancelled', undefined, /client went away/],
    ['past its deadline', deadlineExceeded(50), /within 50 ms/],
  ] as const)('takes every row of a beam search %s out mid-decode; the others finish as alone', async (_, reason, message) => {
    const controller = new AbortController();
    const failure = decoder.hypotheses(texts[1]!, languages, { beams: 4, signal: controller.signal }).then(
      () => 'finished',
      (err: unknown) => String(err),
    );
    const other = decoder.translateIds(texts[0]!, languages);
    await decoder.nextStep();
    await decoder.nextStep();
    expect(decoder.stats().running).toBeGreaterThan(2);
    controller.abort(reason);
    await decoder.nextStep();
    expect(decoder.stats().running).toBeLessThanOrEqual(1);
    expect(await failure).toMatch(message);
    expect(await other).toEqual(await decoder.translateIds(texts[0]!, languages));
    expect(decoder.stats()).toMatchObject({ running: 0, waiting: 0 });
  });

  it('counts a beam search as `width` sequences of the limit, and runs one wider than the limit alone', async () => {
    const limited = new ContinuousDecoder(decoder.sessions, { maxSequences: 4, tokenBudget: 1_000_000 });
    const all = [limited.hypotheses(texts[0]!, languages, { beams: 4 }), limited.hypotheses(texts[1]!, languages, { beams: 2 }), limited.hypotheses(texts[2]!, languages, { beams: 2 })];
    const seen: number[] = [];
    while (limited.stats().waiting > 0 || limited.stats().running > 0) {
      await limited.nextStep();
      seen.push(limited.stats().running);
    }
    expect(Math.max(...seen)).toBeLessThanOrEqual(4);
    expect(await Promise.all(all)).toEqual([await referenceFor(texts[0]!, 4), await referenceFor(texts[1]!, 2), await referenceFor(texts[2]!, 2)]);
    const narrow = new ContinuousDecoder(decoder.sessions, { maxSequences: 2, tokenBudget: 1_000_000 });
    expect(await narrow.hypotheses(texts[3]!, languages, { beams: 3 })).toEqual(await referenceFor(texts[3]!, 3));
  }, 120_000);

  it('refuses a width outside 1 to 4, saying so', async () => {
    for (const beams of [0, 5, 1.5]) await expect(decoder.hypotheses(texts[0]!, languages, { beams })).rejects.toThrow(/beam width must be 1 to 4/);
  });
});
