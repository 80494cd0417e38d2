import { decoderLayer, decoderPositions, declareDecoderInputs, domainsFor, encoderLayer, sinusoids, steerLogits, type LayerStyle } from './encoder-decoder.ts';
import { GraphBuilder, encodeModel } from './onnx-graph.ts';
import { Layers, type Precision } from './layers.ts';
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

/** Whisper's steering (see Steering): the specials after end-of-text are never emitted, and the text is `textTokens` long after the prompt. */
export interface DecoderSteering {
  endOfTextId: number;
  /** Text tokens never emitted: single bytes that would decode to punctuation or broken UTF-8. */
  suppressedTextIds: number[];
  promptLength: number;
  textTokens: number;
  successors: BigInt64Array;
}

const WHISPER_STYLE: LayerStyle = { preNorm: true, keyBias: false, activation: 'gelu' };

export function buildEncoder(dims: WhisperDimensions, precision: Precision, seed: number): Uint8Array {
  const g = new GraphBuilder('enc_');
  const nn = new Layers(g, new SeededRandom(seed), precision);
  const d = dims.dModel;
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
    x = encoderLayer(nn, x, { dModel: d, heads: dims.encoderHeads, ffnDim: dims.ffnDim }, WHISPER_STYLE);
  }
  g.output(nn.toIo(nn.layerNorm(x, d)), 'last_hidden_state', 'float32', ['batch_size', dims.maxSourcePositions, d]);
  return encodeModel(g.graph('whisper_encoder'), domainsFor(precision));
}

export function buildDecoder(dims: WhisperDimensions, steering: DecoderSteering, precision: Precision, seed: number): Uint8Array {
  const g = new GraphBuilder('dec_');
  const nn = new Layers(g, new SeededRandom(seed), precision);
  const d = dims.dModel;
  const vocabSize = dims.vocabSize;
  const inputs = declareDecoderInputs(nn, { dModel: d, heads: dims.decoderHeads, layers: dims.decoderLayers }, false);
  const { positions, causalMask } = decoderPositions(nn, inputs);

  const tokenTable = new SeededRandom(seed + 1).normals(vocabSize * d, 1 / Math.sqrt(d));
  const tokenEmbedding = nn.floatTensor('token_embedding', [vocabSize, d], tokenTable);
  let x = g.op('Add', [
    g.op('Gather', [tokenEmbedding, inputs.inputIds]),
    g.op('Gather', [nn.weight('position_embedding', [dims.maxTargetPositions, d], 0.02), positions]),
  ]);
  for (let layer = 0; layer < dims.decoderLayers; layer += 1) {
    x = decoderLayer(nn, x, layer, inputs, { causal: causalMask }, { dModel: d, heads: dims.decoderHeads, ffnDim: dims.ffnDim }, WHISPER_STYLE);
  }

  // The output projection is tied to the token embedding, as in Whisper.
  const logits = nn.toIo(nn.tiedProjection(nn.layerNorm(x, d), { name: tokenEmbedding, values: tokenTable, rows: vocabSize, dim: d }));
  const specialIds = Array.from({ length: vocabSize - steering.endOfTextId - 1 }, (_, i) => steering.endOfTextId + 1 + i);
  const suppressedIds = [...specialIds, ...steering.suppressedTextIds];
  const endPosition = BigInt(steering.promptLength - 1 + steering.textTokens);
  const textDone = () => g.op('GreaterOrEqual', [positions, g.initializer('end_position', 'int64', [], BigInt64Array.of(endPosition))]);
  const steered = steerLogits(g, logits, inputs.inputIds, vocabSize, { ...steering, suppressedIds }, textDone, 1);
  g.output(steered, 'logits', 'float32', ['batch_size', 'decoder_sequence_length', vocabSize]);
  return encodeModel(g.graph('whisper_decoder_merged'), domainsFor(precision));
}
