import type { MoonshineGeneratedSource, Precision } from '../../contract/manifest-schema.ts';
import { decoderLayer, decoderPositions, declareDecoderInputs, domainsFor, encoderLayer, steerLogits, type BlockDims, type LayerStyle } from './encoder-decoder.ts';
import type { GeneratedFile } from './generated-file.ts';
import { FILE_SUFFIX, Layers } from './layers.ts';
import { GraphBuilder, encodeModelParts } from './onnx-graph.ts';
import { SeededRandom } from './random-weights.ts';

/**
 * Moonshine's encoder and merged decoder as onnx-community exports them. The encoder takes raw 16 kHz
 * samples of any length (a strided convolution stem, about 40 frames a second), so a recognition costs
 * the audio there is, not a padded 30 s window. Rotary positions are left out: random weights gain nothing from them.
 */

export interface MoonshineSteering {
  endOfTextId: number;
  /** Tokens never emitted: specials and pieces that are not lowercase pseudo-words. */
  suppressedIds: number[];
  successors: BigInt64Array;
  textTokensPerFrame: number;
}

const ENCODER_STYLE: LayerStyle = { preNorm: true, keyBias: false, activation: 'gelu' };
const DECODER_STYLE: LayerStyle = { preNorm: true, keyBias: false, activation: 'swish' };
/**
 * Random logits are scaled down so that the steering decides every token: a hypothesis on more audio
 * then extends the one on less, as real transcripts of a growing utterance mostly do.
 */
const RANDOM_LOGIT_SCALE = 0.05;

const blockDims = (dims: MoonshineGeneratedSource['dimensions']): BlockDims => ({ dModel: dims.hiddenSize, heads: dims.heads, ffnDim: dims.intermediateSize });

/** GroupNorm with one group over [batch, channels, frames]. */
function groupNorm(nn: Layers, x: string): string {
  const g = nn.graph;
  const mean = (value: string) => g.op('ReduceMean', [value], { axes: { ints: [1, 2] }, keepdims: { int: 1 } });
  const centred = g.op('Sub', [x, mean(x)]);
  const variance = mean(g.op('Mul', [centred, centred]));
  return g.op('Div', [centred, g.op('Sqrt', [g.op('Add', [variance, nn.constant('eps', 1e-5)])])]);
}

export function buildMoonshineEncoder(source: MoonshineGeneratedSource, precision: Precision): Uint8Array[] {
  const g = new GraphBuilder('enc_');
  const nn = new Layers(g, new SeededRandom(source.seed + 10), precision);
  const dims = source.dimensions;
  const d = dims.hiddenSize;
  const samples = nn.fromIo(g.input('input_values', 'float32', ['batch_size', 'num_samples']));
  const conv = (x: string, inChannels: number, outChannels: number, kernel: number, stride: number, bias: boolean) =>
    g.op(
      'Conv',
      [x, nn.weight('conv_w', [outChannels, inChannels, kernel], 1 / Math.sqrt(inChannels * kernel)), ...(bias ? [nn.weight('conv_b', [outChannels], 0.02)] : [])],
      { kernel_shape: { ints: [kernel] }, strides: { ints: [stride] } },
    );
  const stem = groupNorm(nn, g.op('Tanh', [conv(g.op('Unsqueeze', [samples, g.int64s('axis1', [1])]), 1, d, 127, 64, false)]));
  const frames = nn.gelu(conv(nn.gelu(conv(stem, d, 2 * d, 7, 3, true)), 2 * d, d, 3, 2, true));
  let x = g.op('Transpose', [frames], { perm: { ints: [0, 2, 1] } });
  for (let layer = 0; layer < dims.encoderLayers; layer += 1) x = encoderLayer(nn, x, blockDims(dims), ENCODER_STYLE);
  g.output(nn.toIo(nn.layerNorm(x, d)), 'last_hidden_state', 'float32', ['batch_size', 'encoder_sequence_length', d]);
  return encodeModelParts(g.graph('moonshine_encoder'), domainsFor(precision));
}

/** Per position: has the text reached ceil(textTokensPerFrame × encoder frames) tokens after the start token? */
function textDone(g: GraphBuilder, positions: string, steering: MoonshineSteering): string {
  const int64 = (hint: string, value: number) => g.initializer(hint, 'int64', [], BigInt64Array.of(BigInt(value)));
  const frames = g.op('Squeeze', [g.op('Shape', ['encoder_hidden_states'], { start: { int: 1 }, end: { int: 2 } }), g.int64s('axis0', [0])]);
  const perMille = Math.round(steering.textTokensPerFrame * 1000);
  const length = g.op('Max', [g.op('Div', [g.op('Add', [g.op('Mul', [frames, int64('per_mille', perMille)]), int64('round_up', 999)]), int64('thousand', 1000)]), int64('min_text', 1)]);
  return g.op('GreaterOrEqual', [positions, length]);
}

export function buildMoonshineDecoder(source: MoonshineGeneratedSource, vocabSize: number, steering: MoonshineSteering, precision: Precision): Uint8Array[] {
  const g = new GraphBuilder('dec_');
  const nn = new Layers(g, new SeededRandom(source.seed + 20), precision);
  const dims = source.dimensions;
  const d = dims.hiddenSize;
  const inputs = declareDecoderInputs(nn, { dModel: d, heads: dims.heads, layers: dims.decoderLayers }, false);
  const { positions, causalMask } = decoderPositions(nn, inputs);
  const table = nn.embeddingTable(new SeededRandom(source.seed + 1).normals(vocabSize * d, 1 / Math.sqrt(d)), vocabSize, d);
  let x = g.op('Add', [nn.lookup(table, inputs.inputIds), g.op('Gather', [nn.weight('position_embedding', [dims.maxPositions, d], 0.02), positions])]);
  for (let layer = 0; layer < dims.decoderLayers; layer += 1) x = decoderLayer(nn, x, layer, inputs, { causal: causalMask }, blockDims(dims), DECODER_STYLE);
  const logits = g.op('Mul', [nn.toIo(nn.tiedProjection(nn.layerNorm(x, d), table)), g.scalarFloat('random_logit_scale', RANDOM_LOGIT_SCALE)]);
  const steered = steerLogits(g, logits, inputs.inputIds, vocabSize, steering, () => textDone(g, positions, steering), 1);
  g.output(steered, 'logits', 'float32', ['batch_size', 'decoder_sequence_length', vocabSize]);
  return encodeModelParts(g.graph('moonshine_decoder_merged'), domainsFor(precision));
}

/** Encoder and merged decoder for one precision, each built only when reached. */
export function* moonshineVariantFiles(source: MoonshineGeneratedSource, vocabSize: number, steering: MoonshineSteering, precision: Precision): Generator<GeneratedFile> {
  const suffix = FILE_SUFFIX[precision];
  yield { path: `onnx/encoder_model${suffix}.onnx`, content: buildMoonshineEncoder(source, precision) };
  yield { path: `onnx/decoder_model_merged${suffix}.onnx`, content: buildMoonshineDecoder(source, vocabSize, steering, precision) };
}
