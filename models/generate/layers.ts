import { GraphBuilder, type ElementType } from './onnx-graph.ts';
import { SeededRandom, quantizeInt8, quantizeNBits4, toFloat16 } from './random-weights.ts';

/** The file variants transformers.js knows: fp32 (no suffix), fp16, q8 (`_quantized`), q4. */
export type Precision = 'fp32' | 'fp16' | 'q8' | 'q4';
export const PRECISIONS: readonly Precision[] = ['fp32', 'fp16', 'q8', 'q4'];
export const FILE_SUFFIX: Record<Precision, string> = { fp32: '', fp16: '_fp16', q8: '_quantized', q4: '_q4' };

export type Activation = 'gelu' | 'relu' | 'swish';

/** A [rows, dim] lookup table as stored in the graph; `scale` dequantizes an int8 table. */
export interface EmbeddingTable {
  name: string;
  values: Float32Array;
  rows: number;
  dim: number;
  scale?: string;
}

const Q4_BLOCK_SIZE = 32;
export const MICROSOFT_DOMAIN = 'com.microsoft';

/**
 * Transformer building blocks over a GraphBuilder. Activations are float32 except in the fp16
 * variant, which computes in float16 between casts at the graph's inputs and outputs (like
 * onnxconverter-common's keep_io_types), so every variant has the same interface.
 */
export class Layers {
  readonly floatType: ElementType;

  constructor(
    readonly graph: GraphBuilder,
    private readonly random: SeededRandom,
    readonly precision: Precision,
  ) {
    this.floatType = precision === 'fp16' ? 'float16' : 'float32';
  }

  weight(hint: string, dims: number[], std: number): string {
    return this.floatTensor(hint, dims, this.random.normals(dims.reduce((a, b) => a * b, 1), std));
  }

  floatTensor(hint: string, dims: number[], values: Float32Array): string {
    return this.precision === 'fp16'
      ? this.graph.initializer(hint, 'float16', dims, toFloat16(values))
      : this.graph.initializer(hint, 'float32', dims, values);
  }

  constant(hint: string, value: number): string {
    return this.floatTensor(hint, [], Float32Array.of(value));
  }

  /** Casts a float32 graph input into the compute type. */
  fromIo(value: string): string {
    return this.precision === 'fp16' ? this.graph.op('Cast', [value], { to: { int: 10 } }) : value;
  }

  /** Casts a compute-type value to float32 for a graph output. */
  toIo(value: string): string {
    return this.precision === 'fp16' ? this.graph.op('Cast', [value], { to: { int: 1 } }) : value;
  }

  /** y = x·W (+ b), W of shape [inDim, outDim] with weights stored per precision. */
  linear(x: string, inDim: number, outDim: number, withBias = true, values?: Float32Array): string {
    const weight = values ?? this.random.normals(inDim * outDim, 1 / Math.sqrt(inDim));
    const product = this.matmul(x, weight, inDim, outDim);
    return withBias ? this.graph.op('Add', [product, this.weight('bias', [outDim], 0.02)]) : product;
  }

  private matmul(x: string, weight: Float32Array, inDim: number, outDim: number): string {
    const g = this.graph;
    if (this.precision === 'q8') {
      const quantized = quantizeInt8(weight);
      const [xq, xScale, xZero] = g.ops('DynamicQuantizeLinear', [x], 3) as [string, string, string];
      const w = g.initializer('weight_int8', 'int8', [inDim, outDim], quantized.data);
      const wZero = g.initializer('weight_zero', 'int8', [], Int8Array.of(0));
      const integerProduct = g.op('MatMulInteger', [xq, w, xZero, wZero]);
      const scale = g.op('Mul', [xScale, g.scalarFloat('weight_scale', quantized.scale)]);
      return g.op('Mul', [g.op('Cast', [integerProduct], { to: { int: 1 } }), scale]);
    }
    if (this.precision === 'q4') {
      const { packed, scales, blocks } = quantizeNBits4(weight, inDim, outDim, Q4_BLOCK_SIZE);
      const b = g.initializer('weight_nbits', 'uint8', [outDim, blocks, Q4_BLOCK_SIZE / 2], packed);
      const s = g.initializer('weight_scales', 'float32', [outDim * blocks], scales);
      return g.op(
        'MatMulNBits',
        [x, b, s],
        { K: { int: inDim }, N: { int: outDim }, bits: { int: 4 }, block_size: { int: Q4_BLOCK_SIZE } },
        MICROSOFT_DOMAIN,
      );
    }
    return g.op('MatMul', [x, this.floatTensor('weight', [inDim, outDim], weight)]);
  }

  layerNorm(x: string, dim: number): string {
    const scale = this.floatTensor('ln_scale', [dim], new Float32Array(dim).fill(1));
    const bias = this.floatTensor('ln_bias', [dim], new Float32Array(dim));
    return this.graph.op('LayerNormalization', [x, scale, bias], { axis: { int: -1 }, epsilon: { float: 1e-5 } });
  }

  /** Exact GELU, 0.5·x·(1 + erf(x/√2)), in opset-17 operators. */
  gelu(x: string): string {
    const g = this.graph;
    const erf = g.op('Erf', [g.op('Div', [x, this.constant('sqrt2', Math.SQRT2)])]);
    return g.op('Mul', [g.op('Mul', [x, this.constant('half', 0.5)]), g.op('Add', [erf, this.constant('one', 1)])]);
  }

  activate(x: string, activation: Activation): string {
    if (activation === 'relu') return this.graph.op('Relu', [x]);
    if (activation === 'swish') return this.graph.op('Mul', [x, this.graph.op('Sigmoid', [x])]);
    return this.gelu(x);
  }

  feedForward(x: string, dim: number, hidden: number, activation: Activation = 'gelu'): string {
    return this.linear(this.activate(this.linear(x, dim, hidden), activation), hidden, dim);
  }

  /** q8 stores the table in int8, as ORT's dynamic quantizer does for Gather; the other precisions as floats. */
  embeddingTable(values: Float32Array, rows: number, dim: number): EmbeddingTable {
    if (this.precision !== 'q8') return { name: this.floatTensor('embedding', [rows, dim], values), values, rows, dim };
    const quantized = quantizeInt8(values);
    const name = this.graph.initializer('embedding_int8', 'int8', [rows, dim], quantized.data);
    return { name, values, rows, dim, scale: this.graph.scalarFloat('embedding_scale', quantized.scale) };
  }

  lookup(table: EmbeddingTable, ids: string): string {
    const rows = this.graph.op('Gather', [table.name, ids]);
    return table.scale ? this.graph.op('Mul', [this.graph.op('Cast', [rows], { to: { int: 1 } }), table.scale]) : rows;
  }

  /** hidden · tableᵀ: fp32 and fp16 reuse the float table, as tied exports do; quantized variants keep their own quantized copy. */
  tiedProjection(hidden: string, table: EmbeddingTable): string {
    if (this.precision === 'fp32' || this.precision === 'fp16') {
      return this.graph.op('MatMul', [hidden, this.graph.op('Transpose', [table.name], { perm: { ints: [1, 0] } })]);
    }
    return this.linear(hidden, table.dim, table.rows, false, transpose(table.values, table.rows, table.dim));
  }

  /** [batch, seq, heads·headDim] → [batch, heads, seq, headDim] */
  splitHeads(x: string, heads: number, headDim: number): string {
    const reshaped = this.graph.op('Reshape', [x, this.graph.int64s('heads_shape', [0, 0, heads, headDim])]);
    return this.graph.op('Transpose', [reshaped], { perm: { ints: [0, 2, 1, 3] } });
  }

  /** Scaled dot-product attention over split heads, with an optional additive mask; returns [batch, seq, dim]. */
  attend(q: string, k: string, v: string, heads: number, headDim: number, mask?: string): string {
    const g = this.graph;
    const keysT = g.op('Transpose', [k], { perm: { ints: [0, 1, 3, 2] } });
    let scores = g.op('Mul', [g.op('MatMul', [q, keysT]), this.constant('attn_scale', 1 / Math.sqrt(headDim))]);
    if (mask) scores = g.op('Add', [scores, mask]);
    const context = g.op('MatMul', [g.op('Softmax', [scores], { axis: { int: -1 } }), v]);
    const merged = g.op('Transpose', [context], { perm: { ints: [0, 2, 1, 3] } });
    return g.op('Reshape', [merged, g.int64s('merge_shape', [0, 0, heads * headDim])]);
  }
}

function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r += 1) for (let c = 0; c < cols; c += 1) out[c * rows + r] = values[r * cols + c]!;
  return out;
}
