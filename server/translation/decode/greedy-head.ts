import onnxProto from 'onnx-proto';

/**
 * Greedy search's choice made inside the decoder: an output `next_token` [batch, 1] (int64), the first
 * maximum of each row's logits with the always-banned tokens (single-token bad words, such as Marian's
 * <pad>) left out. A step that only needs greedy choices then fetches one id per row instead of copying
 * [batch, vocab] floats out of the session and scanning them in JS. ArgMax takes the first of equal
 * maxima, as transformers.js' greedy sampler does, and index 0 when every logit is banned or -Infinity.
 */

const { onnx } = onnxProto;
const DataType = onnx.TensorProto.DataType;

export const NEXT_TOKEN = 'next_token';

export class GreedyHeadError extends Error {
  override name = 'GreedyHeadError';
}

/** Adds `next_token` to a decoder whose `logits` output is [batch, 1, vocab]. */
export function addGreedyHead(bytes: Uint8Array, vocabSize: number, bannedIds: readonly number[]): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph?.output?.some((output) => output.name === 'logits')) throw new GreedyHeadError('The decoder has no logits output');
  if (graph.output.some((output) => output.name === NEXT_TOKEN)) throw new GreedyHeadError(`The decoder already has a ${NEXT_TOKEN} output`);
  if (!Number.isInteger(vocabSize) || vocabSize <= 0) throw new GreedyHeadError(`Bad vocabulary size ${vocabSize}`);
  const outOfRange = bannedIds.filter((id) => id < 0 || id >= vocabSize);
  if (outOfRange.length > 0) throw new GreedyHeadError(`Banned ids ${outOfRange.join(', ')} lie outside the vocabulary of ${vocabSize}`);
  let scores = 'logits';
  if (bannedIds.length > 0) {
    const bias = new Float32Array(vocabSize);
    for (const id of bannedIds) bias[id] = -Infinity;
    const biasName = 'greedy/ban_bias';
    graph.node!.push(
      { opType: 'Constant', name: biasName, input: [], output: [biasName], attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: { name: biasName, dataType: DataType.FLOAT, dims: [vocabSize], rawData: new Uint8Array(bias.buffer) } }] },
      { opType: 'CastLike', name: 'greedy/ban_bias_like', input: [biasName, 'logits'], output: ['greedy/ban_bias_like'] },
      { opType: 'Add', name: 'greedy/allowed_logits', input: ['logits', 'greedy/ban_bias_like'], output: ['greedy/allowed_logits'] },
    );
    scores = 'greedy/allowed_logits';
  }
  graph.node!.push({
    opType: 'ArgMax',
    name: NEXT_TOKEN,
    input: [scores],
    output: [NEXT_TOKEN],
    attribute: [
      { name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 },
      { name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 },
    ],
  });
  graph.output.push({ name: NEXT_TOKEN, type: { tensorType: { elemType: DataType.INT64, shape: { dim: [{ dimParam: 'batch_size' }, { dimParam: 'decoder_sequence_length' }] } } } });
  return onnx.ModelProto.encode(model).finish();
}
