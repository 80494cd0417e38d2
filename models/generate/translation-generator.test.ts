import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { env, pipeline, type Tensor, type TranslationPipeline } from '@huggingface/transformers';
import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRECISIONS, findModel, parseManifest, type ModelFile, type Precision, type TranslationModelEntry } from '../../contract/manifest-schema.ts';
import { sharedDataDir } from '../../testing/shared-data.ts';
import { writeGeneratedFile } from './generated-file.ts';
import { generatedSource, generatorFor } from './generators.ts';
import { NLLB_LANGUAGE_CODES } from './nllb-model.ts';
import { generatedTextTokens } from './seq2seq-graphs.ts';

const FLORES_ENGLISH = join(sharedDataDir, 'mt', 'flores200-devtest-first200.eng');
const manifest = parseManifest(JSON.parse(readFileSync(join(import.meta.dirname, '..', 'manifest.json'), 'utf8')));
const floresLines = readFileSync(FLORES_ENGLISH, 'utf8').trim().split('\n');
/** Short, medium and long sentences; in the tiny tokenizers the last one's translation reaches maxGeneratedTokens. */
const sentences = [6, 8, 0, 1].map((line) => floresLines[line]!);
const PSEUDO_WORDS = /^[a-z]+( [a-z]+)*$/;

interface Case {
  id: string;
  /** What the pipeline is called with, and what every tokenized source carries besides its text. */
  options: Record<string, string>;
  sourceSpecialTokens: number;
  targetLanguageToken?: string;
}
const CASES: Case[] = [
  { id: 'sotto/opus-mt-en-de-tiny-random', options: {}, sourceSpecialTokens: 1 },
  { id: 'sotto/nllb-tiny-random', options: { src_lang: 'eng_Latn', tgt_lang: 'deu_Latn' }, sourceSpecialTokens: 2, targetLanguageToken: 'deu_Latn' },
];
const modelOf = (id: string) => findModel(manifest, id) as TranslationModelEntry;
const precisionsOf = (id: string) => PRECISIONS.filter((p) => modelOf(id).variants[p]);
const cases = CASES.flatMap((c) => precisionsOf(c.id).map((precision) => ({ ...c, precision })));

let modelsDir: string;
const written = new Map<string, ModelFile[]>();

beforeAll(() => {
  modelsDir = mkdtempSync(join(tmpdir(), 'sotto-translation-generator-'));
  for (const { id } of CASES) {
    const generator = generatorFor(modelOf(id));
    const files = [...generator.files, ...precisionsOf(id).flatMap((p) => [...generator.variantFiles(p)])];
    written.set(id, files.map((file) => writeGeneratedFile(join(modelsDir, id), file)));
  }
});

afterAll(() => rmSync(modelsDir, { recursive: true, force: true }));

describe.each(CASES)('generating $id', ({ id }) => {
  it('reproduces the sizes and SHA-256 recorded in the manifest', () => {
    const model = modelOf(id);
    const recorded = [...model.files, ...precisionsOf(id).flatMap((p) => model.variants[p]!.files)];
    expect(recorded.every((f) => f.sha256 && f.bytes)).toBe(true);
    expect(written.get(id)).toEqual(recorded);
  });
});

describe.each(cases)('$id $precision ONNX interface', ({ id, precision }) => {
  const [encoderPath, decoderPath] = modelOf(id).variants[precision]!.files.map((f) => f.path);
  const layers = Array.from({ length: generatedSource(modelOf(id)).dimensions.decoderLayers }, (_, i) => i);
  const cache = (prefix: string) => layers.flatMap((i) => ['decoder.key', 'decoder.value', 'encoder.key', 'encoder.value'].map((name) => `${prefix}.${i}.${name}`));

  it('encoder maps input_ids and attention_mask to last_hidden_state', async () => {
    const session = await InferenceSession.create(join(modelsDir, id, encoderPath!));
    expect([...session.inputNames]).toEqual(['input_ids', 'attention_mask']);
    expect([...session.outputNames]).toEqual(['last_hidden_state']);
    await session.release();
  });

  it('merged decoder takes ids, the encoder mask and states, past key values and use_cache_branch', async () => {
    const session = await InferenceSession.create(join(modelsDir, id, decoderPath!));
    expect([...session.inputNames].sort()).toEqual(['input_ids', 'encoder_attention_mask', 'encoder_hidden_states', ...cache('past_key_values'), 'use_cache_branch'].sort());
    expect([...session.outputNames].sort()).toEqual(['logits', ...cache('present')].sort());
    await session.release();
  });

  it("gives the encoder's keys and values on a cached step as empty constants, as Optimum's merged decoders do", async () => {
    const { dModel, heads } = generatedSource(modelOf(id)).dimensions;
    const session = await InferenceSession.create(join(modelsDir, id, decoderPath!));
    const floats = (dims: number[]) => new OrtTensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
    const [pastLength, sourceLength, headDim] = [2, 3, dModel / heads];
    const feeds: Record<string, OrtTensor> = {
      input_ids: new OrtTensor('int64', BigInt64Array.of(5n), [1, 1]),
      encoder_attention_mask: new OrtTensor('int64', new BigInt64Array(sourceLength).fill(1n), [1, sourceLength]),
      encoder_hidden_states: floats([1, sourceLength, dModel]),
      use_cache_branch: new OrtTensor('bool', Uint8Array.of(1), [1]),
    };
    for (const name of cache('past_key_values')) feeds[name] = floats([1, heads, name.includes('.encoder.') ? sourceLength : pastLength, headDim]);
    const outputs = await session.run(feeds);
    for (const layer of layers) {
      expect(outputs[`present.${layer}.encoder.key`]!.dims).toEqual([0, heads, 1, headDim]);
      expect(outputs[`present.${layer}.decoder.key`]!.dims).toEqual([1, heads, pastLength + 1, headDim]);
    }
    await session.release();
  });
});

describe.each(cases)('$id $precision through the transformers.js pipeline', ({ id, precision, options, sourceSpecialTokens, targetLanguageToken }) => {
  let translator: TranslationPipeline;
  const translate = async (text: string | string[], call: Record<string, string> = options) =>
    ((await translator(text, call)) as { translation_text: string }[]).map((t) => t.translation_text);

  beforeAll(async () => {
    env.localModelPath = modelsDir;
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    translator = await pipeline('translation', id, { dtype: precision as Precision });
  });

  afterAll(() => translator?.dispose());

  it('translates a batch into one pseudo-word text per sentence, as long as the rule for its source length says', async () => {
    const texts = await translate(sentences);
    expect(texts).toHaveLength(sentences.length);
    for (const text of texts) expect(text).toMatch(PSEUDO_WORDS);

    // The pipeline returns text only, and re-encoding text need not give back the same tokens: count the ids generate() emits.
    const { tokenizer, model } = translator;
    const inputs = tokenizer(sentences, { padding: true, truncation: true });
    const forced = targetLanguageToken === undefined ? {} : { forced_bos_token_id: tokenizer.convert_tokens_to_ids(targetLanguageToken) };
    const output = (await model.generate({ ...inputs, ...forced, max_new_tokens: 256 })) as Tensor;
    expect(tokenizer.batch_decode(output, { skip_special_tokens: true })).toEqual(texts);
    const ids = output.tolist() as bigint[][];
    const special = new Set(tokenizer.all_special_ids);
    const sourceLengths = (inputs.attention_mask as Tensor).tolist() as bigint[][];
    const source = generatedSource(modelOf(id));
    const rule = { tokensPerSourceToken: source.generatedTokensPerSourceToken, maxTextTokens: source.maxGeneratedTokens };
    const expected = sourceLengths.map((mask) => generatedTextTokens(mask.filter((m) => m === 1n).length - sourceSpecialTokens, rule));
    expect(ids.map((row) => row.filter((token) => !special.has(Number(token))).length)).toEqual(expected);
    expect(new Set(expected).size).toBe(sentences.length);
    expect(expected.at(-1)).toBe(source.maxGeneratedTokens);
  });

  it('gives different sentences different text, not just different lengths', async () => {
    const texts = await translate(sentences);
    expect(new Set(texts.map((text) => text.split(' ').slice(0, 3).join(' '))).size).toBe(sentences.length);
  });

  // Dynamic quantization computes its scales over the whole padded batch, so q8 batches differ slightly (as they do with real q8 exports).
  it.skipIf(precision === 'q8')('translates a sentence alone exactly as within a padded batch', async () => {
    const batch = await translate(sentences);
    for (const [index, sentence] of sentences.entries()) expect(await translate(sentence)).toEqual([batch[index]]);
  });

  it.runIf(targetLanguageToken !== undefined)('gives another target language a different text', async () => {
    const [german, french] = await Promise.all([translate(sentences), translate(sentences, { ...options, tgt_lang: 'fra_Latn' })]);
    for (const [index, text] of french.entries()) {
      expect(text).toMatch(PSEUDO_WORDS);
      expect(text).not.toBe(german[index]);
    }
  });

  it.runIf(targetLanguageToken !== undefined)('rejects unknown language codes, naming them', async () => {
    await expect(translate(sentences[0]!, { ...options, tgt_lang: 'xxx_Latn' })).rejects.toThrow('Target language code "xxx_Latn" is not valid');
    await expect(translate(sentences[0]!, { ...options, src_lang: 'english' })).rejects.toThrow('Source language code "english" is not valid');
  });
});

describe('NLLB language codes', () => {
  it('has a language token for every language code in the manifest, FLORES codes among them', () => {
    for (const id of ['sotto/nllb-tiny-random', 'sotto/nllb-200-distilled-600M-random', 'Xenova/nllb-200-distilled-600M']) {
      expect(NLLB_LANGUAGE_CODES).toEqual(expect.arrayContaining(Object.values(modelOf(id).languageCodes ?? {})));
    }
    expect(NLLB_LANGUAGE_CODES).toHaveLength(202);
    expect(NLLB_LANGUAGE_CODES).toEqual(expect.arrayContaining(['eng_Latn', 'deu_Latn', 'fra_Latn', 'spa_Latn']));
  });
});
