import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AutoTokenizer, type PreTrainedTokenizer } from '@huggingface/transformers';
import ort from 'onnxruntime-node';
import type { Precision } from '../../../contract/manifest-schema.ts';
import { quantizeActivationsPerRow } from '../onnx/row-quantization.ts';
import type { Provider, Threads } from '../providers.ts';
import type { ModelLanguages } from '../worker-protocol.ts';
import { emptyCaches, encoderCapacity, pastCapacity, stepInputs, withRoom, type BatchRow, type CacheShape, type DecodeBatch } from './decode-batch.ts';
import { alwaysBannedTokens, parseGenerationRules, type GenerationRules } from './generation-rules.ts';
import { addGreedyHead, NEXT_TOKEN } from './greedy-head.ts';
import { newEntryOutput, POSITION_IDS, rewriteForRaggedBatches, SELF_ATTENTION_MASK } from './ragged-decoder.ts';

/** The encoder and merged decoder of a translation model as onnxruntime-node sessions, with its tokenizer and rules. */

const FILE_SUFFIX: Record<Precision, string> = { fp32: '', fp16: '_fp16', q8: '_quantized', q4: '_q4' };

export interface EncodedSource {
  ids: number[];
  /** NLLB's target-language token, forced first. */
  forcedBosTokenId?: number;
}

export interface OpenOptions {
  modelDir: string;
  modelId: string;
  precision: Precision;
  provider: Provider;
  threads: Threads;
  maxNewTokens?: number;
  /** false: the export's decoder as it is, rows then share a call only at equal lengths (the fallback, for tests). */
  raggedBatches?: boolean;
}

export interface StepOptions {
  /** Fetch the logits (beam search needs them); without, a decoder with a greedy head gives only its choices. Default true. */
  logits?: boolean;
}

/** What a decoder step gives: the logits, [rows, vocab], where asked for; each row's greedy choice where the decoder has a greedy head. */
export interface StepOutput {
  logits?: Float32Array;
  greedyTokens?: BigInt64Array;
}

const tensor = (type: 'float32' | 'int64' | 'bool', data: Float32Array | BigInt64Array | Uint8Array, dims: number[]) => new ort.Tensor(type, data, dims);

export class Seq2SeqSessions {
  private constructor(
    readonly encoder: ort.InferenceSession,
    readonly decoder: ort.InferenceSession,
    readonly tokenizer: PreTrainedTokenizer,
    readonly rules: GenerationRules,
    readonly shape: CacheShape,
    readonly padTokenId: number,
    /** Why the decoder could not be rewritten for ragged batches (rows then share a call only at equal lengths). */
    readonly raggedProblem: string | undefined,
    /** The decoder chooses greedy tokens itself (greedy-head.ts): a step needs the logits only for beam search. */
    readonly greedyHead: boolean,
  ) {
    const presents = (kind: string) => Array.from({ length: shape.layers }, (_, layer) => [`present.${layer}.${kind}.key`, `present.${layer}.${kind}.value`]).flat();
    const newEntries = Array.from({ length: shape.layers }, (_, layer) => [newEntryOutput(layer, 'key'), newEntryOutput(layer, 'value')]).flat();
    this.#cacheOutputs = shape.writesInPlace ? newEntries : presents('decoder');
    this.#encoderPresents = presents('encoder');
  }

  readonly #cacheOutputs: string[];
  readonly #encoderPresents: string[];

  static async open(options: OpenOptions): Promise<Seq2SeqSessions> {
    const { modelDir, precision } = options;
    const readJson = async (name: string) => JSON.parse(await readFile(join(modelDir, name), 'utf8')) as Record<string, unknown>;
    const config = await readJson('config.json');
    const rules = parseGenerationRules(await readJson('generation_config.json'), options.maxNewTokens);
    const dModel = Number(config.d_model);
    const vocabSize = Number(config.vocab_size);
    const heads = Number(config.decoder_attention_heads);
    const layers = Number(config.decoder_layers);
    if (![dModel, heads, layers].every((n) => Number.isInteger(n) && n > 0)) throw new Error(`${options.modelId}: config.json lacks d_model, decoder_attention_heads or decoder_layers`);
    const load = async (name: string) => {
      const bytes = new Uint8Array(await readFile(join(modelDir, 'onnx', `${name}${FILE_SUFFIX[precision]}.onnx`)));
      // A q8 row's activations get scales of their own, so that its output does not depend on its batch.
      return precision === 'q8' ? quantizeActivationsPerRow(bytes) : bytes;
    };
    let decoderBytes = await load('decoder_model_merged');
    let raggedProblem: string | undefined = options.raggedBatches === false ? 'ragged batches were not asked for' : undefined;
    try {
      if (!raggedProblem) decoderBytes = rewriteForRaggedBatches(decoderBytes).model;
    } catch (err) {
      raggedProblem = err instanceof Error ? err.message : String(err);
    }
    const banned = alwaysBannedTokens(rules);
    const greedyHead = banned !== undefined && Number.isInteger(vocabSize);
    if (greedyHead) decoderBytes = addGreedyHead(decoderBytes, vocabSize, banned);
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: [options.provider],
      intraOpNumThreads: options.threads.intraOpNumThreads,
      interOpNumThreads: options.threads.interOpNumThreads,
      graphOptimizationLevel: 'all',
    };
    const encoder = await ort.InferenceSession.create(await load('encoder_model'), sessionOptions);
    const decoder = await ort.InferenceSession.create(decoderBytes, sessionOptions);
    const tokenizer = await AutoTokenizer.from_pretrained(options.modelId);
    const padTokenId = Number(config.pad_token_id ?? rules.eosTokenId);
    const shape = { layers, heads, headDim: dModel / heads, dModel, writesInPlace: raggedProblem === undefined };
    return new Seq2SeqSessions(encoder, decoder, tokenizer, rules, shape, padTokenId, raggedProblem, greedyHead);
  }

  get ragged(): boolean {
    return this.raggedProblem === undefined;
  }

  /** Tokenizes a source as transformers.js' translation pipeline does (NLLB: source language token, forced target language). */
  tokenize(text: string, languages: ModelLanguages): EncodedSource {
    const tokenizer = this.tokenizer as PreTrainedTokenizer & {
      _build_translation_inputs?: (texts: string[], options: object, kwargs: Record<string, unknown>) => { input_ids: { data: BigInt64Array } };
    };
    const options = { padding: true, truncation: true };
    if (languages.tgtLang && tokenizer._build_translation_inputs) {
      const kwargs: Record<string, unknown> = { src_lang: languages.srcLang, tgt_lang: languages.tgtLang };
      const inputs = tokenizer._build_translation_inputs([text], options, kwargs);
      return { ids: Array.from(inputs.input_ids.data, Number), forcedBosTokenId: Number(kwargs.forced_bos_token_id) };
    }
    const inputs = tokenizer(text, options) as unknown as { input_ids: { data: BigInt64Array } };
    return { ids: Array.from(inputs.input_ids.data, Number) };
  }

  decode(tokens: readonly number[]): string {
    return this.tokenizer.decode(tokens.map(BigInt), { skip_special_tokens: true });
  }

  /** Runs the encoder over sources (one batched call) and the decoder's first step; the rows then hold their first logits. */
  async start<R extends BatchRow>(rows: R[], sources: readonly EncodedSource[], options: StepOptions = {}): Promise<{ batch: DecodeBatch<R>; output: StepOutput }> {
    const { layers, heads, headDim } = this.shape;
    const batchSize = rows.length;
    const length = encoderCapacity(Math.max(...sources.map((s) => s.ids.length)));
    const ids = new BigInt64Array(batchSize * length).fill(BigInt(this.padTokenId));
    const mask = new BigInt64Array(batchSize * length);
    sources.forEach((source, i) => {
      ids.set(source.ids.map(BigInt), i * length);
      mask.fill(1n, i * length, i * length + source.ids.length);
    });
    const encoded = await this.encoder.run({ input_ids: tensor('int64', ids, [batchSize, length]), attention_mask: tensor('int64', mask, [batchSize, length]) });
    const states = encoded.last_hidden_state!.data as Float32Array;
    const capacity = pastCapacity(0, this.shape);
    const caches = { ...emptyCaches(layers), encoderStates: states, encoderMask: mask };
    const empty = new Float32Array(0);
    const pasts: Record<string, ort.Tensor> = {};
    for (let layer = 0; layer < layers; layer += 1) {
      const past = { key: new Float32Array(batchSize * heads * capacity * headDim), value: new Float32Array(batchSize * heads * capacity * headDim) };
      caches.decoder[layer] = past;
      for (const part of ['key', 'value'] as const) {
        pasts[`past_key_values.${layer}.decoder.${part}`] = tensor('float32', past[part], [batchSize, heads, capacity, headDim]);
        pasts[`past_key_values.${layer}.encoder.${part}`] = tensor('float32', empty, [batchSize, heads, 0, headDim]);
      }
    }
    const batch: DecodeBatch<R> = { rows, pastLength: capacity, encoderLength: length, caches };
    const outputs = await this.#runDecoder(batch, pasts, false, options);
    for (let layer = 0; layer < layers; layer += 1) {
      batch.caches.encoder[layer] = {
        key: outputs[`present.${layer}.encoder.key`]!.data as Float32Array,
        value: outputs[`present.${layer}.encoder.value`]!.data as Float32Array,
      };
    }
    return { batch, output: this.#adopt(batch, outputs) };
  }

  /** One decoder step for every row of the batch; the batch's caches become the decoder's present outputs. */
  async step<R extends BatchRow>(batch: DecodeBatch<R>, options: StepOptions = {}): Promise<StepOutput> {
    const { layers, heads, headDim } = this.shape;
    const roomy = withRoom(batch, this.shape);
    batch.pastLength = roomy.pastLength;
    batch.encoderLength = roomy.encoderLength;
    batch.caches = roomy.caches;
    const batchSize = batch.rows.length;
    const pasts: Record<string, ort.Tensor> = {};
    for (let layer = 0; layer < layers; layer += 1) {
      const { decoder, encoder } = { decoder: batch.caches.decoder[layer]!, encoder: batch.caches.encoder[layer]! };
      pasts[`past_key_values.${layer}.decoder.key`] = tensor('float32', decoder.key, [batchSize, heads, batch.pastLength, headDim]);
      pasts[`past_key_values.${layer}.decoder.value`] = tensor('float32', decoder.value, [batchSize, heads, batch.pastLength, headDim]);
      pasts[`past_key_values.${layer}.encoder.key`] = tensor('float32', encoder.key, [batchSize, heads, batch.encoderLength, headDim]);
      pasts[`past_key_values.${layer}.encoder.value`] = tensor('float32', encoder.value, [batchSize, heads, batch.encoderLength, headDim]);
    }
    return this.#adopt(batch, await this.#runDecoder(batch, pasts, true, options));
  }

  async #runDecoder(batch: DecodeBatch<BatchRow>, pasts: Record<string, ort.Tensor>, useCache: boolean, { logits = true }: StepOptions): Promise<ort.InferenceSession.ReturnType> {
    const batchSize = batch.rows.length;
    const { inputIds, positionIds, selfAttentionMask } = stepInputs(batch);
    const feeds: Record<string, ort.Tensor> = {
      ...pasts,
      input_ids: tensor('int64', inputIds, [batchSize, 1]),
      encoder_attention_mask: tensor('int64', batch.caches.encoderMask, [batchSize, batch.encoderLength]),
      encoder_hidden_states: tensor('float32', batch.caches.encoderStates, [batchSize, batch.encoderLength, this.shape.dModel]),
      use_cache_branch: tensor('bool', Uint8Array.of(useCache ? 1 : 0), [1]),
    };
    if (this.ragged) {
      feeds[POSITION_IDS] = tensor('int64', positionIds, [batchSize, 1]);
      feeds[SELF_ATTENTION_MASK] = tensor('float32', selfAttentionMask, [batchSize, 1, 1, batch.pastLength]);
    }
    const fetches = [...(logits || !this.greedyHead ? ['logits'] : []), ...(this.greedyHead ? [NEXT_TOKEN] : []), ...this.#cacheOutputs];
    // On the cache branch the encoder's presents are the past passed through: not fetched.
    return this.decoder.run(feeds, useCache ? fetches : [...fetches, ...this.#encoderPresents]);
  }

  /**
   * Brings the batch's past up to date: each row's new entries written at its slot (a decoder that writes in place),
   * or the present caches taken as the new past (one that appends).
   */
  #adopt(batch: DecodeBatch<BatchRow>, outputs: ort.InferenceSession.ReturnType): StepOutput {
    const { layers, heads, headDim, writesInPlace } = this.shape;
    for (let layer = 0; layer < layers; layer += 1) {
      if (!writesInPlace) {
        batch.caches.decoder[layer] = {
          key: outputs[`present.${layer}.decoder.key`]!.data as Float32Array,
          value: outputs[`present.${layer}.decoder.value`]!.data as Float32Array,
        };
        continue;
      }
      for (const part of ['key', 'value'] as const) {
        const entries = outputs[newEntryOutput(layer, part)]!.data as Float32Array;
        const past = batch.caches.decoder[layer]![part];
        batch.rows.forEach((row, index) => {
          for (let head = 0; head < heads; head += 1) {
            const entry = (index * heads + head) * headDim;
            past.set(entries.subarray(entry, entry + headDim), ((index * heads + head) * batch.pastLength + row.kvLength) * headDim);
          }
        });
      }
    }
    if (!writesInPlace) batch.pastLength += 1;
    for (const row of batch.rows) row.kvLength += 1;
    return { logits: outputs.logits?.data as Float32Array | undefined, greedyTokens: outputs[NEXT_TOKEN]?.data as BigInt64Array | undefined };
  }

  async dispose(): Promise<void> {
    await Promise.all([this.encoder.release(), this.decoder.release()]);
  }
}
