import { GraphBuilder, subgraphOutput } from './onnx-graph.ts';
import { Layers, MICROSOFT_DOMAIN, type Activation, type Precision } from './layers.ts';
import { SeededRandom } from './random-weights.ts';

/**
 * The transformer encoder-decoder parts that Whisper and the text translation models share: layers,
 * the merged decoder's inputs and caches in the layout transformers.js expects, and logit steering.
 */

/** Where models arrange their layers differently. */
export interface LayerStyle {
  /** Layer norm before each block (Whisper, M2M100) or after each residual sum (Marian). */
  preNorm: boolean;
  /** Whether attention keys have a bias (Whisper's have none). */
  keyBias: boolean;
  activation: Activation;
}

export interface BlockDims {
  dModel: number;
  heads: number;
  ffnDim: number;
}

const MASKED = -1e4;
const STEER_STRENGTH = 4;
export const SUPPRESSED = -100;

export function sinusoids(length: number, channels: number): Float32Array {
  const table = new Float32Array(length * channels);
  const half = channels / 2;
  for (let pos = 0; pos < length; pos += 1) {
    for (let i = 0; i < half; i += 1) {
      const angle = pos * Math.exp((-Math.log(10000) * i) / (half - 1));
      table[pos * channels + i] = Math.sin(angle);
      table[pos * channels + half + i] = Math.cos(angle);
    }
  }
  return table;
}

export function domainsFor(precision: Precision): string[] {
  return precision === 'q4' ? [MICROSOFT_DOMAIN] : [];
}

function residual(nn: Layers, x: string, dim: number, preNorm: boolean, block: (input: string) => string): string {
  if (preNorm) return nn.graph.op('Add', [x, block(nn.layerNorm(x, dim))]);
  return nn.layerNorm(nn.graph.op('Add', [x, block(x)]), dim);
}

function feedForwardBlock(nn: Layers, x: string, dims: BlockDims, style: LayerStyle): string {
  return residual(nn, x, dims.dModel, style.preNorm, (h) => nn.feedForward(h, dims.dModel, dims.ffnDim, style.activation));
}

/** Self-attention (under an optional additive mask) and feed-forward. */
export function encoderLayer(nn: Layers, x: string, dims: BlockDims, style: LayerStyle, mask?: string): string {
  const { dModel: d, heads } = dims;
  const headDim = d / heads;
  const attended = residual(nn, x, d, style.preNorm, (h) => {
    const q = nn.splitHeads(nn.linear(h, d, d), heads, headDim);
    const k = nn.splitHeads(nn.linear(h, d, d, style.keyBias), heads, headDim);
    const v = nn.splitHeads(nn.linear(h, d, d), heads, headDim);
    return nn.linear(nn.attend(q, k, v, heads, headDim, mask), d, d);
  });
  return feedForwardBlock(nn, attended, dims, style);
}

/** An int64 [batch, length] mask (1 = token, 0 = padding) as an additive [batch, 1, 1, length] attention mask. */
export function paddingMask(nn: Layers, mask: string): string {
  const g = nn.graph;
  const open = g.op('Cast', [mask], { to: { int: nn.floatType === 'float16' ? 10 : 1 } });
  const masked = g.op('Mul', [g.op('Sub', [nn.constant('one', 1), open]), nn.constant('masked', MASKED)]);
  return g.op('Unsqueeze', [masked, g.int64s('axes12', [1, 2])]);
}

interface PastNames {
  key: string;
  value: string;
}

export interface DecoderInputs {
  inputIds: string;
  encoderMask?: string;
  /** In the compute type. */
  encoderStates: string;
  pasts: { decoder: PastNames; encoder: PastNames }[];
  useCache: string;
}

function pastInputs(g: GraphBuilder, layer: number, kind: 'decoder' | 'encoder', heads: number, headDim: number): PastNames {
  const length = kind === 'decoder' ? 'past_decoder_sequence_length' : 'encoder_sequence_length_out';
  const declare = (part: 'key' | 'value') =>
    g.input(`past_key_values.${layer}.${kind}.${part}`, 'float32', ['batch_size', heads, length, headDim]);
  return { key: declare('key'), value: declare('value') };
}

/** The merged decoder's inputs; text models also take the encoder's attention mask. */
export function declareDecoderInputs(nn: Layers, dims: { dModel: number; heads: number; layers: number }, withEncoderMask: boolean): DecoderInputs {
  const g = nn.graph;
  const headDim = dims.dModel / dims.heads;
  const inputIds = g.input('input_ids', 'int64', ['batch_size', 'decoder_sequence_length']);
  const encoderMask = withEncoderMask ? g.input('encoder_attention_mask', 'int64', ['batch_size', 'encoder_sequence_length']) : undefined;
  const encoderStates = nn.fromIo(g.input('encoder_hidden_states', 'float32', ['batch_size', 'encoder_sequence_length', dims.dModel]));
  const pasts = Array.from({ length: dims.layers }, (_, layer) => ({
    decoder: pastInputs(g, layer, 'decoder', dims.heads, headDim),
    encoder: pastInputs(g, layer, 'encoder', dims.heads, headDim),
  }));
  const useCache = g.input('use_cache_branch', 'bool', [1]);
  return { inputIds, encoderMask, encoderStates, pasts, useCache };
}

/** Positions of the new tokens (after the cached ones) and the causal mask over cached and new tokens. */
export function decoderPositions(nn: Layers, inputs: DecoderInputs): { positions: string; causalMask: string } {
  const g = nn.graph;
  const scalar = (value: string) => g.op('Squeeze', [value, g.int64s('axis0', [0])]);
  const pastLength = scalar(g.op('Shape', [inputs.pasts[0]!.decoder.key], { start: { int: 2 }, end: { int: 3 } }));
  const newLength = scalar(g.op('Shape', [inputs.inputIds], { start: { int: 1 }, end: { int: 2 } }));
  const totalLength = g.op('Add', [pastLength, newLength]);
  const one = g.initializer('one', 'int64', [], BigInt64Array.of(1n));
  const zero = g.initializer('zero', 'int64', [], BigInt64Array.of(0n));
  // As in the real exports, the position embedding's indices and the causal mask come from Ranges of their
  // own: a server rewrite (ragged-decoder.ts) replaces the embedding's positions with per-row ones.
  const positions = g.op('Range', [pastLength, totalLength, one]);
  const queryPositions = g.op('Range', [pastLength, totalLength, one]);
  const keyPositions = g.op('Range', [zero, totalLength, one]);
  const future = g.op('Greater', [g.op('Unsqueeze', [keyPositions, g.int64s('axis0', [0])]), g.op('Unsqueeze', [queryPositions, g.int64s('axis1', [1])])]);
  return { positions, causalMask: g.op('Where', [future, nn.constant('masked', MASKED), nn.constant('open', 0)]) };
}

/** Encoder keys/values: computed on the first step, passed through from the cache afterwards. */
function crossAttentionCache(nn: Layers, layer: number, past: PastNames, inputs: DecoderInputs, heads: number, headDim: number, keyBias: boolean): [string, string] {
  const g = nn.graph;
  const d = heads * headDim;
  const cached = new GraphBuilder(`cache${layer}_`);
  cached.output(nn.fromIo(past.key), `cached_key_${layer}`, nn.floatType, []);
  cached.output(nn.fromIo(past.value), `cached_value_${layer}`, nn.floatType, []);
  const computed = new GraphBuilder(`fresh${layer}_`);
  const branch = new Layers(computed, new SeededRandom(layer * 7919 + 17), nn.precision);
  computed.output(branch.splitHeads(branch.linear(inputs.encoderStates, d, d, keyBias), heads, headDim), `fresh_key_${layer}`, nn.floatType, []);
  computed.output(branch.splitHeads(branch.linear(inputs.encoderStates, d, d), heads, headDim), `fresh_value_${layer}`, nn.floatType, []);
  const cachedGraph = cached.graph(`cached_${layer}`);
  const computedGraph = computed.graph(`fresh_${layer}`);
  cachedGraph.output = cachedGraph.output!.map((o) => subgraphOutput(o.name!, nn.floatType, 4));
  computedGraph.output = computedGraph.output!.map((o) => subgraphOutput(o.name!, nn.floatType, 4));
  const condition = g.op('Squeeze', [inputs.useCache, g.int64s('axis0', [0])]);
  return g.ops('If', [condition], 2, { then_branch: { graph: cachedGraph }, else_branch: { graph: computedGraph } }) as [string, string];
}

/**
 * An encoder key or value as a present output: the computed one on the first step; on cached steps an empty
 * constant [0, heads, 1, headDim], as in Optimum's merged decoders (which add constant outputs where the
 * with-past decoder has none; transformers.js then keeps the first step's), so that a step does not copy
 * the whole encoder cache out.
 */
function crossAttentionPresent(nn: Layers, hint: string, value: string, inputs: DecoderInputs, heads: number, headDim: number): string {
  const g = nn.graph;
  const cached = new GraphBuilder(`empty${hint}_`);
  cached.output(cached.op('Identity', [cached.initializer('empty', 'float32', [0, heads, 1, headDim], new Float32Array(0))]), `empty_${hint}`, 'float32', []);
  const computed = new GraphBuilder(`present${hint}_`);
  computed.output(nn.precision === 'fp16' ? computed.op('Cast', [value], { to: { int: 1 } }) : computed.op('Identity', [value]), `computed_${hint}`, 'float32', []);
  const [cachedGraph, computedGraph] = [cached.graph(`empty_${hint}`), computed.graph(`computed_${hint}`)];
  for (const graph of [cachedGraph, computedGraph]) graph.output = graph.output!.map((o) => subgraphOutput(o.name!, 'float32', 4));
  const condition = g.op('Squeeze', [inputs.useCache, g.int64s('axis0', [0])]);
  return g.op('If', [condition], { then_branch: { graph: cachedGraph }, else_branch: { graph: computedGraph } });
}

/** Self-attention over the cache plus new tokens, cross-attention over the encoder states, feed-forward; declares the layer's present outputs. */
export function decoderLayer(
  nn: Layers,
  x: string,
  layer: number,
  inputs: DecoderInputs,
  masks: { causal: string; cross?: string },
  dims: BlockDims,
  style: LayerStyle,
): string {
  const g = nn.graph;
  const { dModel: d, heads } = dims;
  const headDim = d / heads;
  const past = inputs.pasts[layer]!;
  const present = (value: string, part: 'key' | 'value') => {
    g.output(nn.toIo(value), `present.${layer}.decoder.${part}`, 'float32', ['batch_size', heads, 'present_decoder_sequence_length', headDim]);
  };
  const selfAttended = residual(nn, x, d, style.preNorm, (h) => {
    const q = nn.splitHeads(nn.linear(h, d, d), heads, headDim);
    const key = g.op('Concat', [nn.fromIo(past.decoder.key), nn.splitHeads(nn.linear(h, d, d, style.keyBias), heads, headDim)], { axis: { int: 2 } });
    const value = g.op('Concat', [nn.fromIo(past.decoder.value), nn.splitHeads(nn.linear(h, d, d), heads, headDim)], { axis: { int: 2 } });
    present(key, 'key');
    present(value, 'value');
    return nn.linear(nn.attend(q, key, value, heads, headDim, masks.causal), d, d);
  });
  const [crossKey, crossValue] = crossAttentionCache(nn, layer, past.encoder, inputs, heads, headDim, style.keyBias);
  for (const [part, value] of [['key', crossKey], ['value', crossValue]] as const) {
    g.output(crossAttentionPresent(nn, `${layer}_${part}`, value, inputs, heads, headDim), `present.${layer}.encoder.${part}`, 'float32', ['batch_size', heads, 'encoder_sequence_length_out', headDim]);
  }
  const crossAttended = residual(nn, selfAttended, d, style.preNorm, (h) =>
    nn.linear(nn.attend(nn.splitHeads(nn.linear(h, d, d), heads, headDim), crossKey, crossValue, heads, headDim, masks.cross), d, d),
  );
  return feedForwardBlock(nn, crossAttended, dims, style);
}

/**
 * How the random decoder is steered so that it produces text of a known length: suppressed tokens
 * are never emitted, each token favours a fixed successor (so output is word-like, not one token
 * repeated), and end-of-text is forbidden until the text is complete, then forced.
 */
export interface Steering {
  endOfTextId: number;
  suppressedIds: readonly number[];
  successors: BigInt64Array;
}

/**
 * `successorIndex` picks each token's entry of `successors` (the token id, or a shift of it);
 * `textDone` builds the boolean "text complete" per position (rank 1) or per batch row and position (rank 2).
 */
export function steerLogits(g: GraphBuilder, logits: string, successorIndex: string, vocabSize: number, steering: Steering, textDone: () => string, doneRank: 1 | 2): string {
  const bias = new Float32Array(vocabSize);
  for (const id of steering.suppressedIds) bias[id] = SUPPRESSED;
  const endOfText = new Float32Array(vocabSize);
  endOfText[steering.endOfTextId] = 1;

  const successor = g.op('Gather', [g.initializer('successors', 'int64', [vocabSize], steering.successors), successorIndex]);
  const favoured = g.op('OneHot', [successor, g.int64s('depth', [vocabSize]), g.initializer('onehot_values', 'float32', [2], Float32Array.of(0, STEER_STRENGTH))], { axis: { int: -1 } });
  const endBias = g.op('Where', [textDone(), g.scalarFloat('allow', -SUPPRESSED), g.scalarFloat('forbid', SUPPRESSED)]);
  const endColumn = g.op('Mul', [g.op('Unsqueeze', [endBias, g.int64s(`axis${doneRank}`, [doneRank])]), g.initializer('end_onehot', 'float32', [vocabSize], endOfText)]);
  const suppressed = g.op('Add', [logits, g.initializer('special_bias', 'float32', [vocabSize], bias)]);
  return g.op('Add', [g.op('Add', [suppressed, favoured]), endColumn]);
}
