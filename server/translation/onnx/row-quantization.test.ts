import onnxProto from 'onnx-proto';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Layers } from '../../../models/generate/layers.ts';
import { encodeModel, GraphBuilder } from '../../../models/generate/onnx-graph.ts';
import { SeededRandom } from '../../../models/generate/random-weights.ts';
import { quantizeActivationsPerRow, rewriteDynamicQuantization, RowQuantizationError } from './row-quantization.ts';

const IN = 32;
const OUT = 24;

/** x [batch, rows, IN] → a q8 linear layer (DynamicQuantizeLinear → MatMulInteger), as the generator and quantize_dynamic write it. */
function quantizedLinear(seed: number): { model: Uint8Array; weight: Float32Array } {
  const g = new GraphBuilder();
  const nn = new Layers(g, new SeededRandom(seed), 'q8');
  const weight = new SeededRandom(seed + 1).normals(IN * OUT, 1 / Math.sqrt(IN));
  const x = g.input('x', 'float32', ['batch', 'rows', IN]);
  g.output(nn.linear(x, IN, OUT, false, weight), 'y', 'float32', ['batch', 'rows', OUT]);
  return { model: encodeModel(g.graph('linear')), weight };
}

async function run(model: Uint8Array, x: Float32Array, dims: number[]): Promise<Float32Array> {
  const session = await InferenceSession.create(model);
  try {
    const { y } = await session.run({ x: new Tensor('float32', x, dims) });
    return y!.data as Float32Array;
  } finally {
    await session.release();
  }
}

function rows(count: number, seed: number, magnitude = 1): Float32Array {
  return new SeededRandom(seed).normals(count * IN, magnitude);
}

function reference(x: Float32Array, weight: Float32Array): Float32Array {
  const out = new Float32Array((x.length / IN) * OUT);
  for (let r = 0; r < x.length / IN; r += 1) {
    for (let c = 0; c < OUT; c += 1) {
      let sum = 0;
      for (let k = 0; k < IN; k += 1) sum += x[r * IN + k]! * weight[k * OUT + c]!;
      out[r * OUT + c] = sum;
    }
  }
  return out;
}

const maxError = (a: Float32Array, b: Float32Array) => a.reduce((worst, value, i) => Math.max(worst, Math.abs(value - b[i]!)), 0);

describe('quantizeActivationsPerRow', () => {
  const { model, weight } = quantizedLinear(7);
  const alone = rows(3, 11);
  // Other segments with much larger activations, as another client's text can have.
  const others = rows(3, 12, 40);
  const batch = new Float32Array([...alone, ...others]);

  it('makes a row\'s product the same alone and beside rows with much larger values', async () => {
    const rewritten = quantizeActivationsPerRow(model);
    const single = await run(rewritten, alone, [1, 3, IN]);
    const batched = await run(rewritten, batch, [2, 3, IN]);
    expect([...batched.subarray(0, single.length)]).toEqual([...single]);
  });

  it('is what ORT\'s per-tensor scale is not: batch-independent (the reason for the rewrite)', async () => {
    const single = await run(model, alone, [1, 3, IN]);
    const batched = await run(model, batch, [2, 3, IN]);
    expect(maxError(single, batched.subarray(0, single.length))).toBeGreaterThan(0);
  });

  it('stays close to the float product, closer than per-tensor scales beside large rows', async () => {
    const exact = reference(alone, weight);
    const perRow = (await run(quantizeActivationsPerRow(model), batch, [2, 3, IN])).subarray(0, exact.length);
    const perTensor = (await run(model, batch, [2, 3, IN])).subarray(0, exact.length);
    const scale = exact.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
    expect(maxError(perRow, exact)).toBeLessThan(0.03 * scale);
    expect(maxError(perRow, exact)).toBeLessThan(maxError(perTensor, exact));
  });

  it('gives an all-zero row zeros, not NaN', async () => {
    const out = await run(quantizeActivationsPerRow(model), new Float32Array(IN), [1, 1, IN]);
    expect([...out]).toEqual(new Array(OUT).fill(0));
  });

  it('counts the nodes it rewrote and leaves a model without dynamic quantization as it was', () => {
    expect(rewriteDynamicQuantization(model).rewritten).toBe(1);
    const g = new GraphBuilder();
    g.output(g.op('Relu', [g.input('x', 'float32', [1])]), 'y', 'float32', [1]);
    const plain = encodeModel(g.graph('plain'));
    expect(rewriteDynamicQuantization(plain)).toEqual({ model: plain, rewritten: 0 });
  });

  it('refuses, naming the node, when the quantized codes feed anything but MatMulInteger', () => {
    const decoded = onnxProto.onnx.ModelProto.decode(model);
    const quantize = decoded.graph!.node!.find((node) => node.opType === 'DynamicQuantizeLinear')!;
    decoded.graph!.node!.push({ opType: 'Identity', name: 'stray', input: [quantize.output![0]!], output: ['stray_out'] });
    const edited = onnxProto.onnx.ModelProto.encode(decoded).finish();
    expect(() => quantizeActivationsPerRow(edited)).toThrow(RowQuantizationError);
    expect(() => quantizeActivationsPerRow(edited)).toThrow(/feeds Identity stray/);
  });
});
