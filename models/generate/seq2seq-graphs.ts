import type { Precision, Seq2SeqDimensions } from '../../contract/manifest-schema.ts';
import {
  decoderLayer,
  decoderPositions,
  declareDecoderInputs,
  domainsFor,
  encoderLayer,
  paddingMask,
  sinusoids,
  SUPPRESSED,
  steerLogits,
  type BlockDims,
  type LayerStyle,
  type Steering,
} from './encoder-decoder.ts';
import type { GeneratedFile } from './generated-file.ts';
import { FILE_SUFFIX, Layers, type EmbeddingTable } from './layers.ts';
import { GraphBuilder, encodeModelParts } from './onnx-graph.ts';
import { SeededRandom } from './random-weights.ts';

/** Encoder and merged decoder of a text-to-text translation model (Marian, M2M100/NLLB), as Optimum exports them. */

/** What sets Marian and M2M100 graphs apart besides their dimensions. */
export interface Seq2SeqStyle extends LayerStyle {
  /** A layer norm after the last encoder layer and after the last decoder layer (M2M100). */
  finalLayerNorm: boolean;
  /** The first position id (M2M100 counts from padding_idx + 1 = 2). */
  positionOffset: number;
}

/** Steering (see Steering) with a text length that follows the source's: see generatedTextTokens. */
export interface TranslationSteering extends Steering {
  /** Decoder tokens before the text: the start token, and NLLB's forced target-language token. */
  promptLength: number;
  /** Special tokens in every tokenized source: end-of-sentence, and NLLB's source-language token. */
  sourceSpecialTokens: number;
  tokensPerSourceToken: number;
  maxTextTokens: number;
}

export interface Seq2SeqSpec {
  dims: Seq2SeqDimensions;
  style: Seq2SeqStyle;
  steering: TranslationSteering;
  seed: number;
}

type LengthRule = Pick<TranslationSteering, 'tokensPerSourceToken' | 'maxTextTokens'>;

// The ratio is applied in whole percent, so that the graph's integer arithmetic and this function agree exactly.
const percentOf = (rule: LengthRule) => Math.round(rule.tokensPerSourceToken * 100);

/** How many text tokens the decoder emits for a source of `sourceTextTokens` tokens (its special tokens not counted). */
export function generatedTextTokens(sourceTextTokens: number, rule: LengthRule): number {
  const scaled = Math.floor((sourceTextTokens * percentOf(rule) + 99) / 100);
  return Math.min(Math.max(scaled, 1), rule.maxTextTokens);
}

/** Per batch row and position: has the text reached the length generatedTextTokens gives? */
function textDone(g: GraphBuilder, encoderMask: string, positions: string, steering: TranslationSteering): string {
  const int64 = (hint: string, value: number) => g.initializer(hint, 'int64', [], BigInt64Array.of(BigInt(value)));
  const sourceTokens = g.op('ReduceSum', [encoderMask, g.int64s('axis1', [1])], { keepdims: { int: 1 } });
  const textTokens = g.op('Sub', [sourceTokens, int64('source_specials', steering.sourceSpecialTokens)]);
  const scaled = g.op('Div', [g.op('Add', [g.op('Mul', [textTokens, int64('percent', percentOf(steering))]), int64('round_up', 99)]), int64('hundred', 100)]);
  const length = g.op('Min', [g.op('Max', [scaled, int64('min_text', 1)]), int64('max_text', steering.maxTextTokens)]);
  const end = g.op('Add', [length, int64('prompt', steering.promptLength - 1)]);
  // positions is [seq], or [batch, seq] once rewritten for ragged batches: either broadcasts against end's [batch, 1].
  return g.op('GreaterOrEqual', [positions, end]);
}

/**
 * A shift of the successor table per source, so that different sources give different text: it
 * comes from where the encoder states, summed over the source's tokens, peak and dip.
 */
function sourceShift(g: GraphBuilder, encoderMask: string, dModel: number): string {
  const tokens = g.op('Unsqueeze', [g.op('Cast', [encoderMask], { to: { int: 1 } }), g.int64s('axis2', [2])]);
  const summed = g.op('ReduceSum', [g.op('Mul', ['encoder_hidden_states', tokens]), g.int64s('axis1', [1])], { keepdims: { int: 0 } });
  const peak = g.op('ArgMax', [summed], { axis: { int: 1 } });
  const dip = g.op('ArgMin', [summed], { axis: { int: 1 } });
  return g.op('Add', [g.op('Mul', [peak, g.int64s('d_model', [dModel])]), dip]);
}

/**
 * Tied embeddings make the current token the likeliest next one, so the decoder would repeat it:
 * an immediate repeat is suppressed, except of end-of-sentence, which ends every finished row of a batch.
 */
function withoutRepeats(g: GraphBuilder, logits: string, inputIds: string, vocabSize: number, endOfTextId: number): string {
  const penalty = new Float32Array(vocabSize).fill(SUPPRESSED);
  penalty[endOfTextId] = 0;
  const current = g.op('OneHot', [inputIds, g.int64s('depth', [vocabSize]), g.initializer('onehot_values', 'float32', [2], Float32Array.of(0, 1))], { axis: { int: -1 } });
  return g.op('Add', [logits, g.op('Mul', [current, g.initializer('repeat_penalty', 'float32', [vocabSize], penalty)])]);
}

/** The shared token embedding of encoder and decoder, the same in both files. */
function tokenTable(spec: Seq2SeqSpec): Float32Array {
  const { vocabSize, dModel } = spec.dims;
  return new SeededRandom(spec.seed + 1).normals(vocabSize * dModel, 1 / Math.sqrt(dModel));
}

/** Token embeddings scaled by √d_model plus sinusoidal position embeddings. */
function embed(nn: Layers, spec: Seq2SeqSpec, table: EmbeddingTable, ids: string, positions: string): string {
  const g = nn.graph;
  const { dModel: d, maxPositions } = spec.dims;
  const offset = spec.style.positionOffset;
  const tokens = g.op('Mul', [nn.lookup(table, ids), nn.constant('embed_scale', Math.sqrt(d))]);
  const positionTable = nn.floatTensor('positions', [maxPositions + offset, d], sinusoids(maxPositions + offset, d));
  const shifted = offset === 0 ? positions : g.op('Add', [positions, g.initializer('position_offset', 'int64', [], BigInt64Array.of(BigInt(offset)))]);
  return g.op('Add', [tokens, g.op('Gather', [positionTable, shifted])]);
}

const blockDims = ({ dims }: Seq2SeqSpec): BlockDims => ({ dModel: dims.dModel, heads: dims.heads, ffnDim: dims.ffnDim });

export function buildTextEncoder(spec: Seq2SeqSpec, precision: Precision): Uint8Array[] {
  const g = new GraphBuilder('enc_');
  const nn = new Layers(g, new SeededRandom(spec.seed + 10), precision);
  const { dModel: d, vocabSize } = spec.dims;
  const ids = g.input('input_ids', 'int64', ['batch_size', 'encoder_sequence_length']);
  const mask = g.input('attention_mask', 'int64', ['batch_size', 'encoder_sequence_length']);
  const length = g.op('Squeeze', [g.op('Shape', [ids], { start: { int: 1 }, end: { int: 2 } }), g.int64s('axis0', [0])]);
  const int64 = (hint: string, value: bigint) => g.initializer(hint, 'int64', [], BigInt64Array.of(value));
  const positions = g.op('Range', [int64('zero', 0n), length, int64('one', 1n)]);
  let x = embed(nn, spec, nn.embeddingTable(tokenTable(spec), vocabSize, d), ids, positions);
  const attentionMask = paddingMask(nn, mask);
  for (let layer = 0; layer < spec.dims.encoderLayers; layer += 1) x = encoderLayer(nn, x, blockDims(spec), spec.style, attentionMask);
  if (spec.style.finalLayerNorm) x = nn.layerNorm(x, d);
  g.output(nn.toIo(x), 'last_hidden_state', 'float32', ['batch_size', 'encoder_sequence_length', d]);
  return encodeModelParts(g.graph('encoder'), domainsFor(precision));
}

export function buildTextDecoder(spec: Seq2SeqSpec, precision: Precision): Uint8Array[] {
  const g = new GraphBuilder('dec_');
  const nn = new Layers(g, new SeededRandom(spec.seed + 20), precision);
  const { dModel: d, heads, decoderLayers, vocabSize } = spec.dims;
  const inputs = declareDecoderInputs(nn, { dModel: d, heads, layers: decoderLayers }, true);
  const encoderMask = inputs.encoderMask!;
  const { positions, causalMask } = decoderPositions(nn, inputs);
  const table = nn.embeddingTable(tokenTable(spec), vocabSize, d);
  let x = embed(nn, spec, table, inputs.inputIds, positions);
  const masks = { causal: causalMask, cross: paddingMask(nn, encoderMask) };
  for (let layer = 0; layer < decoderLayers; layer += 1) x = decoderLayer(nn, x, layer, inputs, masks, blockDims(spec), spec.style);
  if (spec.style.finalLayerNorm) x = nn.layerNorm(x, d);
  const logits = withoutRepeats(g, nn.toIo(nn.tiedProjection(x, table)), inputs.inputIds, vocabSize, spec.steering.endOfTextId);
  const successorIndex = g.op('Mod', [g.op('Add', [inputs.inputIds, sourceShift(g, encoderMask, d)]), g.int64s('vocab_size', [vocabSize])]);
  const steered = steerLogits(g, logits, successorIndex, vocabSize, spec.steering, () => textDone(g, encoderMask, positions, spec.steering), 2);
  g.output(steered, 'logits', 'float32', ['batch_size', 'decoder_sequence_length', vocabSize]);
  return encodeModelParts(g.graph('decoder_merged'), domainsFor(precision));
}

/** Encoder and merged decoder for one precision, named as transformers.js expects; each is built only when reached, so only one is in memory. */
export function* seq2seqVariantFiles(spec: Seq2SeqSpec, precision: Precision): Generator<GeneratedFile> {
  const suffix = FILE_SUFFIX[precision];
  yield { path: `onnx/encoder_model${suffix}.onnx`, content: buildTextEncoder(spec, precision) };
  yield { path: `onnx/decoder_model_merged${suffix}.onnx`, content: buildTextDecoder(spec, precision) };
}
