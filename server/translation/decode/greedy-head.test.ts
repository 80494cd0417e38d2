import onnxProto from 'onnx-proto';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { addGreedyHead, GreedyHeadError, NEXT_TOKEN } from './greedy-head.ts';

const { onnx } = onnxProto;
const VOCAB = 6;

/** A "decoder" that passes scores [batch, 1, VOCAB] through as its logits. */
function passThrough(): Uint8Array {
  const shape = { dim: [{ dimParam: 'batch_size' }, { dimValue: 1 }, { dimValue: VOCAB }] };
  const type = { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape } };
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'logits',
      input: [{ name: 'scores', type }],
      output: [{ name: 'logits', type }],
      node: [{ opType: 'Identity', name: 'identity', input: ['scores'], output: ['logits'] }],
    },
  }).finish();
}

async function choices(bannedIds: number[], rows: number[][]): Promise<number[]> {
  const session = await ort.InferenceSession.create(addGreedyHead(passThrough(), VOCAB, bannedIds));
  try {
    const scores = new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, 1, VOCAB]);
    const outputs = await session.run({ scores }, [NEXT_TOKEN]);
    return Array.from(outputs[NEXT_TOKEN]!.data as BigInt64Array, Number);
  } finally {
    await session.release();
  }
}

describe('the greedy head', () => {
  it('takes each row\'s first maximum, never a banned token, and 0 when nothing is allowed', async () => {
    const rows = [
      [0, 5, 5, 1, 0, 0],
      [9, 1, 2, 3, 4, 8],
      [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity],
      [1, 1, 1, 1, 1, 7],
    ];
    expect(await choices([], rows)).toEqual([1, 0, 0, 5]);
    expect(await choices([0, 5], rows)).toEqual([1, 4, 0, 1]);
  });

  it('refuses a decoder without logits, a second head, or banned ids outside the vocabulary', () => {
    const headed = addGreedyHead(passThrough(), VOCAB, []);
    expect(() => addGreedyHead(headed, VOCAB, [])).toThrow(GreedyHeadError);
    expect(() => addGreedyHead(passThrough(), VOCAB, [VOCAB])).toThrow(/outside the vocabulary/);
    const noLogits = onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph: { name: 'empty' } }).finish();
    expect(() => addGreedyHead(noLogits, VOCAB, [])).toThrow(/no logits/);
  });
});
