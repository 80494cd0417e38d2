import onnxProto from 'onnx-proto';

/**
 * The merged decoders of Optimum's Marian and M2M100 exports have no self-attention mask, derive the
 * new token's position from the past length and append the new key and value to the past, so rows with
 * different past lengths cannot share a call. This rewrite, found structurally in the graph, makes the
 * past a buffer of fixed capacity in which every row's entries start at slot 0:
 * - `position_ids` [batch, 1]: replaces the Range (started from the past length) that indexes the position
 *   embedding, and is the slot where the row's new key and value are written (a Where replaces the Concat,
 *   so the present has the past's capacity);
 * - `self_attention_mask` [batch, 1, 1, capacity]: replaces the causal mask at every self-attention Softmax
 *   (one new token sees all cached ones), masking the slots after the row's new entry.
 * A row's keys then sit at the same slots whatever the batch and its capacity, so the float reductions
 * over them add the same terms in the same order (the masked slots add exact zeros).
 * Each layer's new key and value are also outputs of their own, `new.<layer>.decoder.key|value` [batch, heads,
 * 1, headDim] (float32): the caller writes them into its past buffers at the rows' slots instead of fetching
 * the presents, whose copy out of the session (the whole cache, every step) costs as much as the step itself.
 */

const { onnx } = onnxProto;
type GraphProto = onnxProto.onnx.IGraphProto;
type NodeProto = onnxProto.onnx.INodeProto;
const DataType = onnx.TensorProto.DataType;

export const POSITION_IDS = 'position_ids';
export const SELF_ATTENTION_MASK = 'self_attention_mask';
export const newEntryOutput = (layer: number, part: 'key' | 'value') => `new.${layer}.decoder.${part}`;

export class RaggedRewriteError extends Error {
  override name = 'RaggedRewriteError';
}

const pastKeyPattern = /^past_key_values\.(\d+)\.decoder\.key$/;
const pastPattern = /^past_key_values\.(\d+)\.decoder\.(key|value)$/;
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

/** The past a Concat appends the new entry to: a past decoder key or value input, directly or through a Cast (fp16). */
function appendedPast(node: NodeProto, producers: Map<string, NodeProto>): string | undefined {
  if (node.opType !== 'Concat' || node.input?.length !== 2) return undefined;
  const first = node.input[0]!;
  if (pastPattern.test(first)) return first;
  const cast = producers.get(first);
  return cast?.opType === 'Cast' && pastPattern.test(cast.input?.[0] ?? '') ? first : undefined;
}

/** Whether a value is computed, within a few nodes, from a Concat onto the past (self-attention scores, not cross-attention's). */
function readsAppendedPast(start: string, producers: Map<string, NodeProto>): boolean {
  const seen = new Set<string>();
  let frontier = [start];
  for (let depth = 0; depth < attentionSearchDepth && frontier.length > 0; depth += 1) {
    const next: string[] = [];
    for (const value of frontier) {
      const node = producers.get(value);
      if (!node || seen.has(value)) continue;
      seen.add(value);
      if (appendedPast(node, producers) !== undefined) return true;
      if (node.opType === 'Softmax') continue;
      next.push(...(node.input ?? []));
    }
    frontier = next;
  }
  return false;
}

/** Drops the nodes no graph output depends on (the causal mask and its Ranges, once replaced); subgraphs keep what they read. */
function pruneUnused(graph: GraphProto): void {
  const needed = new Set((graph.output ?? []).map((output) => output.name ?? ''));
  const reads = (node: NodeProto): string[] => [
    ...(node.input ?? []),
    ...(node.attribute ?? []).flatMap((attribute) => [attribute.g, ...(attribute.graphs ?? [])].flatMap((subgraph) => (subgraph?.node ?? []).flatMap(reads))),
  ];
  const kept = [...(graph.node ?? [])].reverse().filter((node) => {
    if (!(node.output ?? []).some((output) => needed.has(output))) return false;
    for (const input of reads(node)) needed.add(input);
    return true;
  });
  graph.node = kept.reverse();
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
  const opset = Number(model.opsetImport?.find((entry) => !entry.domain)?.version ?? 0);
  if (opset < 13) throw new RaggedRewriteError(`The decoder's opset ${opset} is older than 13`);
  const producers = producersOf(graph);

  const range = positionRange(graph, producers);
  const positions = range.output![0]!;
  for (const node of graph.node ?? []) node.input = (node.input ?? []).map((input) => (input === positions ? POSITION_IDS : input));
  graph.node = (graph.node ?? []).filter((node) => node !== range);

  const appends = (graph.node ?? []).filter((node) => appendedPast(node, producers) !== undefined);
  if (appends.length !== 2 * layers) throw new RaggedRewriteError(`Found ${appends.length} Concat nodes onto the past for ${layers} decoder layers`);
  const axis = (node: NodeProto) => Number(node.attribute?.find((attribute) => attribute.name === 'axis')?.i ?? NaN);
  if (appends.some((node) => axis(node) !== 2 && axis(node) !== -2)) throw new RaggedRewriteError('A Concat onto the past does not append along the sequence axis');
  const softmaxes = (graph.node ?? []).filter((node) => node.opType === 'Softmax' && readsAppendedPast(node.input?.[0] ?? '', producers));
  if (softmaxes.length !== layers) throw new RaggedRewriteError(`Found ${softmaxes.length} self-attention Softmax nodes for ${layers} decoder layers`);

  // The slot of each row's new entry, [batch, 1, capacity, 1]: slot == position_ids.
  const slot = (part: string) => `ragged/${part}`;
  const int64 = (values: bigint[]) => ({ dataType: DataType.INT64, dims: values.length === 1 ? [] : [values.length], rawData: new Uint8Array(BigInt64Array.from(values).buffer) });
  const constant = (name: string, values: bigint[], dims?: number[]): NodeProto => ({
    opType: 'Constant', name, input: [], output: [name],
    attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: { name, ...int64(values), ...(dims && { dims }) } }],
  });
  const op = (opType: string, input: string[], output: string): NodeProto => ({ opType, name: output, input, output: [output] });
  const slotNodes: NodeProto[] = [
    constant(slot('zero'), [0n]),
    constant(slot('one'), [1n]),
    constant(slot('sequence_axis'), [2n]),
    constant(slot('axes'), [1n, 3n]),
    op('Shape', ['past_key_values.0.decoder.key'], slot('past_shape')),
    op('Gather', [slot('past_shape'), slot('sequence_axis')], slot('capacity')),
    op('Range', [slot('zero'), slot('capacity'), slot('one')], slot('slots')),
    op('Equal', [slot('slots'), POSITION_IDS], slot('is_new')),
    op('Unsqueeze', [slot('is_new'), slot('axes')], slot('new_slot')),
  ];
  // Where the row mask goes: in place of the causal mask (the operand of the Add before the Softmax that does
  // not come from the keys), else added before the Softmax. CastLike keeps the compute type (fp16 scores).
  const maskFor = (likeValue: string, base: string): [string, NodeProto] => [`${base}/mask`, { opType: 'CastLike', name: `${base}/mask`, input: [SELF_ATTENTION_MASK, likeValue], output: [`${base}/mask`] }];
  const before = new Map<NodeProto, NodeProto[]>();
  for (const softmax of softmaxes) {
    const scores = softmax.input![0]!;
    const base = `${softmax.name || softmax.output![0]}/ragged`;
    const add = producers.get(scores);
    const causal = add?.opType === 'Add' ? (add.input ?? []).findIndex((input) => !readsAppendedPast(input, producers)) : -1;
    if (add && causal !== -1) {
      const [mask, cast] = maskFor(add.input![1 - causal]!, base);
      add.input = add.input!.map((input, i) => (i === causal ? mask : input));
      before.set(add, [cast]);
      continue;
    }
    const [mask, cast] = maskFor(scores, base);
    const masked = `${base}/masked_scores`;
    before.set(softmax, [cast, { opType: 'Add', name: masked, input: [scores, mask], output: [masked] }]);
    softmax.input = [masked, ...softmax.input!.slice(1)];
  }
  const dim = (param: string) => ({ dimParam: param });
  const newEntries: string[] = [];
  graph.node = (graph.node ?? []).flatMap((node) => {
    if (!appends.includes(node)) return [...(before.get(node) ?? []), node];
    const past = appendedPast(node, producers)!;
    const pastInput = pastPattern.test(past) ? past : producers.get(past)!.input![0]!;
    const [, layer, part] = pastPattern.exec(pastInput)!;
    const entry = newEntryOutput(Number(layer), part as 'key' | 'value');
    newEntries.push(entry);
    return [
      { opType: 'Where', name: `${node.name || node.output![0]}/ragged`, input: [slot('new_slot'), node.input![1]!, node.input![0]!], output: node.output },
      { opType: 'CastLike', name: entry, input: [node.input![1]!, pastInput], output: [entry] },
    ];
  });
  graph.node = [...slotNodes, ...graph.node];
  const entryShape = { dim: [dim('batch_size'), dim('heads'), { dimValue: 1 }, dim('head_dim')] };
  graph.output = [...(graph.output ?? []), ...newEntries.sort().map((name) => ({ name, type: { tensorType: { elemType: DataType.FLOAT, shape: entryShape } } }))];
  pruneUnused(graph);

  graph.input = [
    ...(graph.input ?? []),
    { name: POSITION_IDS, type: { tensorType: { elemType: DataType.INT64, shape: { dim: [dim('batch_size'), dim('decoder_sequence_length')] } } } },
    {
      name: SELF_ATTENTION_MASK,
      type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [dim('batch_size'), { dimValue: 1 }, dim('decoder_sequence_length'), dim('past_decoder_sequence_length')] } } },
    },
  ];
  return { model: onnx.ModelProto.encode(model).finish(), selfAttentionLayers: layers };
}
