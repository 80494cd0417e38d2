import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type TensorProto = onnxProto.onnx.ITensorProto;
type NodeProto = onnxProto.onnx.INodeProto;
type ValueInfoProto = onnxProto.onnx.IValueInfoProto;
type GraphProto = onnxProto.onnx.IGraphProto;
const DataType = onnx.TensorProto.DataType;
const AttributeType = onnx.AttributeProto.AttributeType;

export type ElementType = 'float32' | 'float16' | 'int64' | 'int32' | 'bool' | 'uint8' | 'int8';
export type Dim = number | string;
export type TensorData = Float32Array | Uint16Array | BigInt64Array | Int32Array | Uint8Array | Int8Array;

const DATA_TYPES: Record<ElementType, number> = {
  float32: DataType.FLOAT,
  float16: DataType.FLOAT16,
  int64: DataType.INT64,
  int32: DataType.INT32,
  bool: DataType.BOOL,
  uint8: DataType.UINT8,
  int8: DataType.INT8,
};

/** Attribute values, tagged because ONNX distinguishes int from float attributes. */
export type Attribute =
  | { int: number }
  | { float: number }
  | { ints: number[] }
  | { string: string }
  | { tensor: TensorProto }
  | { graph: GraphProto };

export function tensorProto(name: string, type: ElementType, dims: number[], data: TensorData): TensorProto {
  return {
    name,
    dataType: DATA_TYPES[type],
    dims,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

function valueInfo(name: string, type: ElementType, dims: Dim[]): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DATA_TYPES[type],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attributeProto(name: string, value: Attribute): onnxProto.onnx.IAttributeProto {
  if ('int' in value) return { name, type: AttributeType.INT, i: value.int };
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  if ('ints' in value) return { name, type: AttributeType.INTS, ints: value.ints };
  if ('string' in value) return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value.string) };
  if ('tensor' in value) return { name, type: AttributeType.TENSOR, t: value.tensor };
  return { name, type: AttributeType.GRAPH, g: value.graph };
}

/** Builds an ONNX graph node by node; names are made unique with a running counter. */
export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private counter = 0;

  constructor(private readonly prefix = '') {}

  private fresh(hint: string): string {
    this.counter += 1;
    return `${this.prefix}${hint}_${this.counter}`;
  }

  input(name: string, type: ElementType, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Declares `value` as a graph output named `name` (through an Identity when the names differ). */
  output(value: string, name: string, type: ElementType, dims: Dim[]): void {
    if (value !== name) this.nodes.push({ opType: 'Identity', input: [value], output: [name], name: this.fresh('out') });
    this.outputs.push(valueInfo(name, type, dims));
  }

  initializer(hint: string, type: ElementType, dims: number[], data: TensorData): string {
    const name = this.fresh(hint);
    this.initializers.push(tensorProto(name, type, dims, data));
    return name;
  }

  int64s(hint: string, values: number[]): string {
    return this.initializer(hint, 'int64', [values.length], BigInt64Array.from(values.map(BigInt)));
  }

  scalarFloat(hint: string, value: number): string {
    return this.initializer(hint, 'float32', [], Float32Array.of(value));
  }

  ops(opType: string, inputs: string[], outputCount: number, attributes: Record<string, Attribute> = {}, domain?: string): string[] {
    const outputs = Array.from({ length: outputCount }, () => this.fresh(opType));
    this.nodes.push({
      opType,
      domain: domain ?? '',
      name: this.fresh(`${opType}_node`),
      input: inputs,
      output: outputs,
      attribute: Object.entries(attributes).map(([key, value]) => attributeProto(key, value)),
    });
    return outputs;
  }

  op(opType: string, inputs: string[], attributes: Record<string, Attribute> = {}, domain?: string): string {
    return this.ops(opType, inputs, 1, attributes, domain)[0]!;
  }

  graph(name: string): GraphProto {
    return { name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs };
  }
}

function varint(value: number): number[] {
  const bytes = [];
  for (; value >= 0x80; value = Math.floor(value / 0x80)) bytes.push((value % 0x80) | 0x80);
  return [...bytes, value];
}

/** A protobuf field header: tag and length of a length-delimited field. */
function lengthDelimited(field: number, length: number): Uint8Array {
  return Uint8Array.from([...varint(field * 8 + 2), ...varint(length)]);
}

/**
 * The bytes of an ONNX model as a list of parts, in protobuf field order: each initializer's raw data
 * is a part of its own, a view of the tensor rather than a copy, so a model of several gigabytes is
 * never held twice. Joined, the parts are exactly what onnx-proto's ModelProto.encode writes.
 */
export function encodeModelParts(graph: GraphProto, extraDomains: string[] = []): Uint8Array[] {
  const { initializer, ...structure } = graph;
  const initializerParts = (initializer ?? []).flatMap((tensor) => {
    const { rawData, ...header } = tensor;
    const headerBytes = onnx.TensorProto.encode(header).finish();
    const data = rawData!;
    const dataTag = lengthDelimited(9, data.byteLength);
    return [lengthDelimited(5, headerBytes.byteLength + dataTag.byteLength + data.byteLength), headerBytes, dataTag, data];
  });
  const graphParts = [
    onnx.GraphProto.encode({ node: structure.node, name: structure.name }).finish(),
    ...initializerParts,
    onnx.GraphProto.encode({ ...structure, node: [], name: null }).finish(),
  ];
  const graphLength = graphParts.reduce((sum, part) => sum + part.byteLength, 0);
  return [
    onnx.ModelProto.encode({ irVersion: 8, producerName: 'sotto-model-generator' }).finish(),
    lengthDelimited(7, graphLength),
    ...graphParts,
    onnx.ModelProto.encode({ opsetImport: [{ domain: '', version: 17 }, ...extraDomains.map((domain) => ({ domain, version: 1 }))] }).finish(),
  ];
}

export function encodeModel(graph: GraphProto, extraDomains: string[] = []): Uint8Array {
  return Buffer.concat(encodeModelParts(graph, extraDomains));
}

export function subgraphOutput(name: string, type: ElementType, rank: number): ValueInfoProto {
  return valueInfo(name, type, Array.from({ length: rank }, (_, i) => `d${i}`));
}
