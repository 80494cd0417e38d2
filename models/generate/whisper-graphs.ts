import { GraphBuilder, encodeModel, subgraphOutput } from './onnx-graph.ts';
import { Layers, MICROSOFT_DOMAIN, type Precision } from './layers.ts';
import { SeededRandom } from './random-weights.ts';

export interface WhisperDimensions {
  dModel: number;
  encoderLayers: number;
  decoderLayers: number;
  encoderHeads: number;
  decoderHeads: number;
  ffnDim: number;
  vocabSize: number;
  numMelBins: number;
  maxSourcePositions: number;
  maxTargetPositions: number;
}

/**
 * How the random decoder is steered so that it produces text of a known length: special tokens
 * are suppressed, each token favours a fixed successor (so output is word-like, not one token
 * repeated), and end-of-text is forbidden until `textTokens` tokens follow the prompt, then forced.
 */
export interface DecoderSteering {
  endOfTextId: number;
  /** Text tokens never emitted: single bytes that would decode to punctuation or broken UTF-8. */
  suppressedTextIds: number[];
  promptLength: number;
  textTokens: number;
  successors: BigInt64Array;
}

const STEER_STRENGTH = 4;
const SUPPRESSED = -100;
const MASKED = -1e4;

function sinusoids(length: number, channels: number): Float32Array {
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

function domainsFor(precision: Precision): string[] {
  return precision === 'q4' ? [MICROSOFT_DOMAIN] : [];
}

export function buildEncoder(dims: WhisperDimensions, precision: Precision, seed: number): Uint8Array {
  const g = new GraphBuilder('enc_');
  const nn = new Layers(g, new SeededRandom(seed), precision);
  const d = dims.dModel;
  const headDim = d / dims.encoderHeads;
  const features = nn.fromIo(g.input('input_features', 'float32', ['batch_size', dims.numMelBins, dims.maxSourcePositions * 2]));
  const conv = (x: string, inChannels: number, stride: number) =>
    nn.gelu(
      g.op('Conv', [x, nn.weight('conv_w', [d, inChannels, 3], 1 / Math.sqrt(inChannels * 3)), nn.weight('conv_b', [d], 0.02)], {
        kernel_shape: { ints: [3] },
        pads: { ints: [1, 1] },
        strides: { ints: [stride] },
      }),
    );
  const frames = conv(conv(features, dims.numMelBins, 1), d, 2);
  let x = g.op('Add', [
    g.op('Transpose', [frames], { perm: { ints: [0, 2, 1] } }),
    nn.floatTensor('positions', [dims.maxSourcePositions, d], sinusoids(dims.maxSourcePositions, d)),
  ]);
  for (let layer = 0; layer < dims.encoderLayers; layer += 1) {
    const normed = nn.layerNorm(x, d);
    const q = nn.splitHeads(nn.linear(normed, d, d), dims.encoderHeads, headDim);
    const k = nn.splitHeads(nn.linear(normed, d, d, false), dims.encoderHeads, headDim);
    const v = nn.splitHeads(nn.linear(normed, d, d), dims.encoderHeads, headDim);
    x = g.op('Add', [x, nn.linear(nn.attend(q, k, v, dims.encoderHeads, headDim), d, d)]);
    x = g.op('Add', [x, nn.feedForward(nn.layerNorm(x, d), d, dims.ffnDim)]);
  }
  g.output(nn.toIo(nn.layerNorm(x, d)), 'last_hidden_state', 'float32', ['batch_size', dims.maxSourcePositions, d]);
  return encodeModel(g.graph('whisper_encoder'), domainsFor(precision));
}

interface PastNames {
  key: string;
  value: string;
}

function pastInputs(g: GraphBuilder, layer: number, kind: 'decoder' | 'encoder', heads: number, headDim: number): PastNames {
  const length = kind === 'decoder' ? 'past_decoder_sequence_length' : 'encoder_sequence_length_out';
  const declare = (part: 'key' | 'value') =>
    g.input(`past_key_values.${layer}.${kind}.${part}`, 'float32', ['batch_size', heads, length, headDim]);
  return { key: declare('key'), value: declare('value') };
}

export function buildDecoder(dims: WhisperDimensions, steering: DecoderSteering, precision: Precision, seed: number): Uint8Array {
  const g = new GraphBuilder('dec_');
  const nn = new Layers(g, new SeededRandom(seed), precision);
  const d = dims.dModel;
  const heads = dims.decoderHeads;
  const headDim = d / heads;
  const random = new SeededRandom(seed + 1);

  const inputIds = g.input('input_ids', 'int64', ['batch_size', 'decoder_sequence_length']);
  const encoderStates = nn.fromIo(g.input('encoder_hidden_states', 'float32', ['batch_size', 'encoder_sequence_length', d]));
  const pasts = Array.from({ length: dims.decoderLayers }, (_, layer) => ({
    decoder: pastInputs(g, layer, 'decoder', heads, headDim),
    encoder: pastInputs(g, layer, 'encoder', heads, headDim),
  }));
  const useCache = g.input('use_cache_branch', 'bool', [1]);

  const scalar = (value: string) => g.op('Squeeze', [value, g.int64s('axis0', [0])]);
  const pastLength = scalar(g.op('Shape', [pasts[0]!.decoder.key], { start: { int: 2 }, end: { int: 3 } }));
  const newLength = scalar(g.op('Shape', [inputIds], { start: { int: 1 }, end: { int: 2 } }));
  const totalLength = g.op('Add', [pastLength, newLength]);
  const one = g.initializer('one', 'int64', [], BigInt64Array.of(1n));
  const zero = g.initializer('zero', 'int64', [], BigInt64Array.of(0n));
  const positions = g.op('Range', [pastLength, totalLength, one]);
  const keyPositions = g.op('Range', [zero, totalLength, one]);
  const future = g.op('Greater', [g.op('Unsqueeze', [keyPositions, g.int64s('axis0', [0])]), g.op('Unsqueeze', [positions, g.int64s('axis1', [1])])]);
  const causalMask = g.op('Where', [future, nn.constant('masked', MASKED), nn.constant('open', 0)]);

  const tokenTable = random.normals(dims.vocabSize * d, 1 / Math.sqrt(d));
  const tokenEmbedding = nn.floatTensor('token_embedding', [dims.vocabSize, d], tokenTable);
  let x = g.op('Add', [
    g.op('Gather', [tokenEmbedding, inputIds]),
    g.op('Gather', [nn.weight('position_embedding', [dims.maxTargetPositions, d], 0.02), positions]),
  ]);

  for (let layer = 0; layer < dims.decoderLayers; layer += 1) {
    const past = pasts[layer]!;
    const normed = nn.layerNorm(x, d);
    const q = nn.splitHeads(nn.linear(normed, d, d), heads, headDim);
    const key = g.op('Concat', [nn.fromIo(past.decoder.key), nn.splitHeads(nn.linear(normed, d, d, false), heads, headDim)], { axis: { int: 2 } });
    const value = g.op('Concat', [nn.fromIo(past.decoder.value), nn.splitHeads(nn.linear(normed, d, d), heads, headDim)], { axis: { int: 2 } });
    g.output(nn.toIo(key), `present.${layer}.decoder.key`, 'float32', ['batch_size', heads, 'present_decoder_sequence_length', headDim]);
    g.output(nn.toIo(value), `present.${layer}.decoder.value`, 'float32', ['batch_size', heads, 'present_decoder_sequence_length', headDim]);
    x = g.op('Add', [x, nn.linear(nn.attend(q, key, value, heads, headDim, causalMask), d, d)]);

    const [crossKey, crossValue] = crossAttentionCache(g, nn, layer, past.encoder, encoderStates, useCache, heads, headDim);
    g.output(nn.toIo(crossKey), `present.${layer}.encoder.key`, 'float32', ['batch_size', heads, 'encoder_sequence_length_out', headDim]);
    g.output(nn.toIo(crossValue), `present.${layer}.encoder.value`, 'float32', ['batch_size', heads, 'encoder_sequence_length_out', headDim]);
    const crossQuery = nn.splitHeads(nn.linear(nn.layerNorm(x, d), d, d), heads, headDim);
    x = g.op('Add', [x, nn.linear(nn.attend(crossQuery, crossKey, crossValue, heads, headDim), d, d)]);
    x = g.op('Add', [x, nn.feedForward(nn.layerNorm(x, d), d, dims.ffnDim)]);
  }

  const finalHidden = nn.layerNorm(x, d);
  // The output projection is tied to the token embedding, as in Whisper; quantized variants keep their own quantized copy.
  const projected = nn.precision === 'fp32' || nn.precision === 'fp16'
    ? g.op('MatMul', [finalHidden, g.op('Transpose', [tokenEmbedding], { perm: { ints: [1, 0] } })])
    : nn.linear(finalHidden, d, dims.vocabSize, false, transpose(tokenTable, dims.vocabSize, d));
  const rawLogits = nn.toIo(projected);
  g.output(steerLogits(g, rawLogits, inputIds, positions, dims.vocabSize, steering), 'logits', 'float32', ['batch_size', 'decoder_sequence_length', dims.vocabSize]);
  return encodeModel(g.graph('whisper_decoder_merged'), domainsFor(precision));
}

function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r += 1) for (let c = 0; c < cols; c += 1) out[c * rows + r] = values[r * cols + c]!;
  return out;
}

/** Encoder keys/values: computed on the first step, passed through from the cache afterwards. */
function crossAttentionCache(g: GraphBuilder, nn: Layers, layer: number, past: PastNames, encoderStates: string, useCache: string, heads: number, headDim: number): [string, string] {
  const d = heads * headDim;
  const cached = new GraphBuilder(`cache${layer}_`);
  cached.output(nn.fromIo(past.key), `cached_key_${layer}`, nn.floatType, []);
  cached.output(nn.fromIo(past.value), `cached_value_${layer}`, nn.floatType, []);
  const computed = new GraphBuilder(`fresh${layer}_`);
  const branch = new Layers(computed, new SeededRandom(layer * 7919 + 17), nn.precision);
  computed.output(branch.splitHeads(branch.linear(encoderStates, d, d, false), heads, headDim), `fresh_key_${layer}`, nn.floatType, []);
  computed.output(branch.splitHeads(branch.linear(encoderStates, d, d), heads, headDim), `fresh_value_${layer}`, nn.floatType, []);
  const cachedGraph = cached.graph(`cached_${layer}`);
  const computedGraph = computed.graph(`fresh_${layer}`);
  cachedGraph.output = cachedGraph.output!.map((o) => subgraphOutput(o.name!, nn.floatType, 4));
  computedGraph.output = computedGraph.output!.map((o) => subgraphOutput(o.name!, nn.floatType, 4));
  const condition = g.op('Squeeze', [useCache, g.int64s('axis0', [0])]);
  return g.ops('If', [condition], 2, { then_branch: { graph: cachedGraph }, else_branch: { graph: computedGraph } }) as [string, string];
}

function steerLogits(g: GraphBuilder, logits: string, inputIds: string, positions: string, vocabSize: number, steering: DecoderSteering): string {
  const specials = new Float32Array(vocabSize);
  for (let id = steering.endOfTextId + 1; id < vocabSize; id += 1) specials[id] = SUPPRESSED;
  for (const id of steering.suppressedTextIds) specials[id] = SUPPRESSED;
  const endOfText = new Float32Array(vocabSize);
  endOfText[steering.endOfTextId] = 1;

  const successor = g.op('Gather', [g.initializer('successors', 'int64', [vocabSize], steering.successors), inputIds]);
  const favoured = g.op('OneHot', [successor, g.int64s('depth', [vocabSize]), g.initializer('onehot_values', 'float32', [2], Float32Array.of(0, STEER_STRENGTH))], { axis: { int: -1 } });
  const textDone = g.op('GreaterOrEqual', [positions, g.initializer('end_position', 'int64', [], BigInt64Array.of(BigInt(steering.promptLength - 1 + steering.textTokens)))]);
  const endBias = g.op('Where', [textDone, g.scalarFloat('allow', -SUPPRESSED), g.scalarFloat('forbid', SUPPRESSED)]);
  const endColumn = g.op('Mul', [g.op('Unsqueeze', [endBias, g.int64s('axis1', [1])]), g.initializer('end_onehot', 'float32', [vocabSize], endOfText)]);
  const suppressed = g.op('Add', [logits, g.initializer('special_bias', 'float32', [vocabSize], specials)]);
  return g.op('Add', [g.op('Add', [suppressed, favoured]), endColumn]);
}
