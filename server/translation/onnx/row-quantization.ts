import onnxProto from 'onnx-proto';

/**
 * ONNX Runtime's dynamic quantization (what `quantize_dynamic` writes into every `*_quantized.onnx`)
 * quantizes activations with one scale and zero point over the whole tensor: DynamicQuantizeLinear feeds
 * MatMulInteger. In a batch, the scale comes from the largest value of any row, so the other segments of a
 * batch change a segment's translation. This rewrite gives every row (every token's activation vector) a
 * scale of its own, symmetric around zero, so a row's integer product, and everything after it, is the
 * same alone as in any batch. The weights and the MatMulInteger nodes are left as they are.
 */

const { onnx } = onnxProto;
type ModelProto = onnxProto.onnx.IModelProto;
type GraphProto = onnxProto.onnx.IGraphProto;
type NodeProto = onnxProto.onnx.INodeProto;
const DataType = onnx.TensorProto.DataType;
const AttributeType = onnx.AttributeProto.AttributeType;

/** uint8 codes 1…255 around a fixed zero point of 128: the symmetric int8 range, in the type the MatMulIntegers already take. */
const ZERO_POINT = 128;
const LEVELS = 127;
// Keeps an all-zero row's scale above zero (its codes are all 128 either way).
const SMALLEST_SCALE = 1e-30;

export class RowQuantizationError extends Error {
  override name = 'RowQuantizationError';
}

export interface RowQuantizationResult {
  model: Uint8Array;
  /** DynamicQuantizeLinear nodes given per-row scales. */
  rewritten: number;
}

/** Rewrites every DynamicQuantizeLinear of a model (subgraphs included); throws when one feeds something this cannot keep exact. */
export function quantizeActivationsPerRow(bytes: Uint8Array): Uint8Array {
  return rewriteDynamicQuantization(bytes).model;
}

export function rewriteDynamicQuantization(bytes: Uint8Array): RowQuantizationResult {
  const model = onnx.ModelProto.decode(bytes);
  const opset = Number(model.opsetImport?.find((entry) => !entry.domain)?.version ?? 0);
  if (!model.graph) throw new RowQuantizationError('The model has no graph');
  const rewritten = rewriteGraph(model.graph, opset);
  if (rewritten === 0) return { model: bytes, rewritten };
  return { model: onnx.ModelProto.encode(model as ModelProto).finish(), rewritten };
}

function rewriteGraph(graph: GraphProto, opset: number): number {
  let count = 0;
  for (const node of graph.node ?? []) {
    for (const attribute of node.attribute ?? []) {
      if (attribute.g) count += rewriteGraph(attribute.g, opset);
      for (const subgraph of attribute.graphs ?? []) count += rewriteGraph(subgraph, opset);
    }
  }
  const consumers = consumersOf(graph);
  graph.node = (graph.node ?? []).flatMap((node) => {
    if (node.opType !== 'DynamicQuantizeLinear' || (node.domain ?? '') !== '') return [node];
    checkConsumers(node, consumers);
    count += 1;
    return perRowQuantization(node, opset);
  });
  return count;
}

/** Every node that reads a value, by value name, in this graph and the subgraphs that see it. */
function consumersOf(graph: GraphProto): Map<string, NodeProto[]> {
  const consumers = new Map<string, NodeProto[]>();
  const visit = (nodes: NodeProto[]) => {
    for (const node of nodes) {
      for (const input of node.input ?? []) consumers.set(input, [...(consumers.get(input) ?? []), node]);
      for (const attribute of node.attribute ?? []) {
        for (const subgraph of [attribute.g, ...(attribute.graphs ?? [])]) if (subgraph) visit(subgraph.node ?? []);
      }
    }
  };
  visit(graph.node ?? []);
  return consumers;
}

/**
 * The codes and zero point may only feed MatMulInteger's A side (a per-row scale is meaningless to anything
 * else), and the scale only Mul, which broadcasts a [..., 1] scale over the product's columns.
 */
function checkConsumers(node: NodeProto, consumers: Map<string, NodeProto[]>): void {
  const [codes, scale, zeroPoint] = node.output ?? [];
  const describe = (other: NodeProto) => `${other.opType} ${other.name ?? ''}`.trim();
  for (const reader of consumers.get(codes ?? '') ?? []) {
    if (reader.opType !== 'MatMulInteger' || reader.input?.[0] !== codes || reader.input?.[2] !== zeroPoint) {
      throw new RowQuantizationError(`DynamicQuantizeLinear ${node.name} feeds ${describe(reader)}, which a per-row scale would not keep exact`);
    }
  }
  for (const reader of consumers.get(scale ?? '') ?? []) {
    if (reader.opType !== 'Mul') throw new RowQuantizationError(`The scale of DynamicQuantizeLinear ${node.name} feeds ${describe(reader)}, not a Mul`);
  }
  for (const reader of consumers.get(zeroPoint ?? '') ?? []) {
    if (reader.opType !== 'MatMulInteger') throw new RowQuantizationError(`The zero point of DynamicQuantizeLinear ${node.name} feeds ${describe(reader)}`);
  }
}

function constant(name: string, dataType: number, dims: number[], rawData: Uint8Array): NodeProto {
  return {
    opType: 'Constant',
    name,
    input: [],
    output: [name],
    attribute: [{ name: 'value', type: AttributeType.TENSOR, t: { name, dataType, dims, rawData } }],
  };
}

const floatBytes = (value: number) => new Uint8Array(Float32Array.of(value).buffer);

/**
 * scale = max(max|x| over the last axis, ε) / 127, keeping that axis (shape [..., 1]);
 * codes = uint8(round(x / scale) + 128); zero point = 128. Same outputs, same element types.
 */
function perRowQuantization(node: NodeProto, opset: number): NodeProto[] {
  const [x] = node.input ?? [];
  const [codes, scale, zeroPoint] = node.output ?? [];
  const base = `${node.name || codes}/per_row`;
  const name = (part: string) => `${base}/${part}`;
  const op = (opType: string, inputs: string[], output: string, attribute: NodeProto['attribute'] = []): NodeProto => ({
    opType,
    name: output,
    input: inputs,
    output: [output],
    attribute,
  });
  // ReduceMax takes its axes as an attribute until opset 18, as an input from then on.
  const lastAxis = [{ name: 'keepdims', type: AttributeType.INT, i: 1 }];
  const reduceMax =
    opset >= 18
      ? [constant(name('axes'), DataType.INT64, [1], new Uint8Array(BigInt64Array.of(-1n).buffer)), op('ReduceMax', [name('abs'), name('axes')], name('max'), lastAxis)]
      : [op('ReduceMax', [name('abs')], name('max'), [...lastAxis, { name: 'axes', type: AttributeType.INTS, ints: [-1] }])];
  return [
    op('Abs', [x!], name('abs')),
    ...reduceMax,
    constant(name('smallest'), DataType.FLOAT, [], floatBytes(SMALLEST_SCALE)),
    constant(name('levels'), DataType.FLOAT, [], floatBytes(LEVELS)),
    constant(name('offset'), DataType.FLOAT, [], floatBytes(ZERO_POINT)),
    op('Max', [name('max'), name('smallest')], name('range')),
    op('Div', [name('range'), name('levels')], scale!),
    op('Div', [x!, scale!], name('scaled')),
    op('Round', [name('scaled')], name('rounded')),
    op('Add', [name('rounded'), name('offset')], name('shifted')),
    op('Cast', [name('shifted')], codes!, [{ name: 'to', type: AttributeType.INT, i: DataType.UINT8 }]),
    constant(zeroPoint!, DataType.UINT8, [], Uint8Array.of(ZERO_POINT)),
  ];
}
