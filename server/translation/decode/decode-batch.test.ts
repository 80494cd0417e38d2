import { describe, expect, it } from 'vitest';
import { emptyCaches, gatherRows, MASKED, stepInputs, type BatchRow, type DecodeBatch } from './decode-batch.ts';

const shape = { layers: 1, heads: 1, headDim: 2, dModel: 2 };
const row = (kvLength: number, encoderLength: number, lastToken = 7): BatchRow => ({ kvLength, encoderLength, lastToken });

/** A batch whose past entries hold `100 * row + slot`, its encoder entries `-(100 * row + slot)`. */
function batch(rows: BatchRow[], pastLength: number, encoderLength: number): DecodeBatch<BatchRow> {
  const past = new Float32Array(rows.length * pastLength * 2).map((_, i) => 100 * Math.floor(i / (pastLength * 2)) + Math.floor((i % (pastLength * 2)) / 2));
  const encoder = new Float32Array(rows.length * encoderLength * 2).map((_, i) => -(100 * Math.floor(i / (encoderLength * 2)) + Math.floor((i % (encoderLength * 2)) / 2)));
  return {
    rows,
    pastLength,
    encoderLength,
    caches: { ...emptyCaches(1), decoder: [{ key: past, value: past }], encoder: [{ key: encoder, value: encoder }], encoderStates: encoder, encoderMask: new BigInt64Array(rows.length * encoderLength).fill(1n) },
  };
}

describe('gatherRows', () => {
  it('left-pads the self-attention past and right-pads the encoder side to the longest row', () => {
    const a = batch([row(3, 2), row(2, 1)], 3, 2);
    const b = batch([row(1, 3)], 1, 3);
    const merged = gatherRows([{ batch: a, index: 1, row: a.rows[1]! }, { batch: b, index: 0, row: b.rows[0]! }], shape);
    expect(merged).toMatchObject({ pastLength: 2, encoderLength: 3 });
    // Row a[1] had entries at slots 1..2 of 3; row b[0] at slot 0 of 1.
    expect([...merged.caches.decoder[0]!.key]).toEqual([101, 101, 102, 102, 0, 0, 0, 0]);
    expect([...merged.caches.encoder[0]!.value]).toEqual([-100, -100, 0, 0, 0, 0, -0, -0, -1, -1, -2, -2]);
    expect([...merged.caches.encoderMask]).toEqual([1n, 0n, 0n, 1n, 1n, 1n]);
  });

  it('feeds each row its own position and masks its left padding', () => {
    const merged = gatherRows([row(3, 1), row(1, 1)].map((r, index, rows) => ({ batch: batch(rows, 3, 1), index, row: r })), shape);
    const inputs = stepInputs(merged);
    expect([...inputs.positionIds]).toEqual([3n, 1n]);
    expect([...inputs.selfAttentionMask]).toEqual([0, 0, 0, 0, MASKED, MASKED, 0, 0]);
    expect([...inputs.inputIds]).toEqual([7n, 7n]);
  });
});
