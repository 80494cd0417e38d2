import onnxProto from 'onnx-proto';

/**
 * The merged decoders of Optimum's Marian and M2M100 exports have no self-attention mask and derive the
 * new token's position from the past length, so rows with different past lengths cannot share a call.
 * This rewrite adds two inputs, found structurally in the graph:
 * - `position_ids` [batch, 1]: replaces the Range (started from the past length) that indexes the position embedding;
 * - `self_attention_mask` [batch, 1, 1, past + 1]: added to the input of every self-attention Softmax,
 *   so that a row's left padding in a shared past is never attended.
 * With both, one decoder call serves rows of any past lengths (ragged batching).
 */

const { onnx } = onnxProto;
type GraphProto = onnxProto.onnx.IGraphProto;
type NodeProto = onnxProto.onnx.INodeProto;
const DataType = onnx.TensorProto.DataType;

export const POSITION_IDS = 'position_ids';
export const SELF_ATTENTION_MASK = 'self_attention_mask';

export class RaggedRewriteError extends Error {
  override name = 'RaggedRewriteError';
}

const pastKeyPattern = /^past_key_values\.(\d+)\.decoder\.key$/;
// How far back from a Softmax the past decoder keys' Concat may lie (MatMul, Transpose, Mul, Add, casts).
const attentionSearchDepth = 8;

function producersOf(graph: GraphProto): Map<string, NodeProto> {
  const producers = new Map<string, NodeProto>();
  for (const node of graph.node ?? []) for (const output of node.output ?? []) producers.set(output, node);
  return producers;
}

/** Whether `value` is computed from the shape of a past decoder key (the past length), within a few nodes. */
function fromPastLength(value: string, producers: Map<string, NodeProto>, depth = 5): boolean {
  const node = producers.get(value);
  if (!node || depth === 0) return false;
  if (node.opType === 'Shape') return pastKeyPattern.test(node.input?.[0] ?? '');
  if (!['Squeeze', 'Gather', 'Cast', 'Unsqueeze', 'Slice', 'Add'].includes(node.opType ?? '')) return false;
  return (node.input ?? []).some((input) => fromPastLength(input, producers, depth - 1));
}

/** The Range node whose output indexes the position embedding: Gather(table, range) or Gather(table, range + offset). */
function positionRange(graph: GraphProto, producers: Map<string, NodeProto>): NodeProto {
  const isPastRange = (value: string | undefined) => {
    const node = value === undefined ? undefined : producers.get(value);
    return node?.opType === 'Range' && fromPastLength(node.input?.[0] ?? '', producers) ? node : undefined;
  };
  const found = new Set<NodeProto>();
  for (const node of graph.node ?? []) {
    if (node.opType !== 'Gather') continue;
    const indices = node.input?.[1];
    const direct = isPastRange(indices);
    if (direct) found.add(direct);
    const add = indices === undefined ? undefined : producers.get(indices);
    if (add?.opType === 'Add') for (const input of add.input ?? []) {
      const viaOffset = isPastRange(input);
      if (viaOffset) found.add(viaOffset);
    }
  }
  if (found.size !== 1) throw new RaggedRewriteError(`Expected one position Range started from the past length, found ${found.size}`);
  return [...found][0]!;
}

/** Whether a Softmax's scores come from the past decoder keys (self-attention), not the encoder's (cross-attention). */
function isSelfAttention(softmax: NodeProto, producers: Map<string, NodeProto>): boolean {
  const seen = new Set<string>();
  let frontier = [softmax.input?.[0] ?? ''];
  for (let depth = 0; depth < attentionSearchDepth && frontier.length > 0; depth += 1) {
    const next: string[] = [];
    for (const value of frontier) {
      const node = producers.get(value);
      if (!node || seen.has(value)) continue;
      seen.add(value);
      if (node.opType === 'Concat' && (node.input ?? []).some((input) => pastKeyPattern.test(input))) return true;
      if (node.opType === 'Softmax') continue;
      next.push(...(node.input ?? []));
    }
    frontier = next;
  }
  return false;
}

export interface RaggedRewriteResult {
  model: Uint8Array;
  selfAttentionLayers: number;
}

/** Rewrites a merged decoder for ragged batches; throws RaggedRewriteError when its structure is not the one expected. */
export function rewriteForRaggedBatches(bytes: Uint8Array): RaggedRewriteResult {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph) throw new RaggedRewriteError('The model has no graph');
  const inputNames = new Set((graph.input ?? []).map((input) => input.name ?? ''));
  if (inputNames.has(POSITION_IDS) || inputNames.has(SELF_ATTENTION_MASK)) throw new RaggedRewriteError('The decoder already has ragged-batch inputs');
  const layers = [...inputNames].filter((name) => pastKeyPattern.test(name)).length;
  if (layers === 0) throw new RaggedRewriteError('The decoder has no past_key_values.*.decoder.key inputs');
  const producers = producersOf(graph);

  const range = positionRange(graph, producers);
  const positions = range.output![0]!;
  for (const node of graph.node ?? []) node.input = (node.input ?? []).map((input) => (input === positions ? POSITION_IDS : input));
  graph.node = (graph.node ?? []).filter((node) => node !== range);

  const opset = Number(model.opsetImport?.find((entry) => !entry.domain)?.version ?? 0);
  const softmaxes = (graph.node ?? []).filter((node) => node.opType === 'Softmax' && isSelfAttention(node, producers));
  if (softmaxes.length !== layers) throw new RaggedRewriteError(`Found ${softmaxes.length} self-attention Softmax nodes for ${layers} decoder layers`);
  graph.node = (graph.node ?? []).flatMap((node) => {
    if (!softmaxes.includes(node)) return [node];
    const scores = node.input![0]!;
    const base = `${node.name || node.output![0]}/ragged`;
    // CastLike keeps the graph's compute type (an fp16 decoder's scores are float16).
    const mask = opset >= 15 ? `${base}/mask` : SELF_ATTENTION_MASK;
    const cast: NodeProto[] = opset >= 15 ? [{ opType: 'CastLike', name: mask, input: [SELF_ATTENTION_MASK, scores], output: [mask] }] : [];
    const masked = `${base}/masked_scores`;
    return [...cast, { opType: 'Add', name: masked, input: [scores, mask], output: [masked] }, { ...node, input: [masked, ...node.input!.slice(1)] }];
  });

  const dim = (param: string) => ({ dimParam: param });
  graph.input = [
    ...(graph.input ?? []),
    { name: POSITION_IDS, type: { tensorType: { elemType: DataType.INT64, shape: { dim: [dim('batch_size'), dim('decoder_sequence_length')] } } } },
    {
      name: SELF_ATTENTION_MASK,
      type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [dim('batch_size'), { dimValue: 1 }, dim('decoder_sequence_length'), dim('total_sequence_length')] } } },
    },
  ];
  return { model: onnx.ModelProto.encode(model).finish(), selfAttentionLayers: layers };
}
