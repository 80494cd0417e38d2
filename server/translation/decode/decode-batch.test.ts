import { describe, expect, it } from 'vitest';
import { dropRows, emptyCaches, gatherRows, MASKED, mergeBatches, pastCapacity, stepInputs, withRoom, type BatchRow, type DecodeBatch } from './decode-batch.ts';

const inPlace = { layers: 1, heads: 1, headDim: 2, dModel: 2, writesInPlace: true };
const appending = { ...inPlace, writesInPlace: false };
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

/** The past's entries of one row as [slot value, …] (each entry's two floats are equal). */
const slots = (merged: DecodeBatch<BatchRow>, index: number) =>
  [...merged.caches.decoder[0]!.key.subarray(index * merged.pastLength * 2, (index + 1) * merged.pastLength * 2)].filter((_, i) => i % 2 === 0);

describe('gatherRows', () => {
  it('keeps every row from slot 0 of a capacity with room for the next entry, and right-pads the encoder side', () => {
    const a = batch([row(3, 2), row(2, 1)], 16, 2);
    const b = batch([row(1, 3)], 16, 3);
    const merged = gatherRows([{ batch: a, index: 1, row: a.rows[1]! }, { batch: b, index: 0, row: b.rows[0]! }], inPlace);
    expect(merged).toMatchObject({ pastLength: 16, encoderLength: 16 });
    expect(slots(merged, 0)).toEqual([100, 101, ...Array<number>(14).fill(0)]);
    expect(slots(merged, 1)).toEqual([0, ...Array<number>(15).fill(0)]);
    const zeros = (n: number) => Array<number>(n).fill(0);
    expect([...merged.caches.encoder[0]!.value]).toEqual([-100, -100, ...zeros(30), -0, -0, -1, -1, -2, -2, ...zeros(26)]);
    expect([...merged.caches.encoderMask]).toEqual([1n, ...Array<bigint>(15).fill(0n), 1n, 1n, 1n, ...Array<bigint>(13).fill(0n)]);
  });

  it('doubles the capacity when a row has no free slot, keeping its entries where they were', () => {
    expect([0, 15, 16, 31, 32, 100].map((n) => pastCapacity(n, inPlace))).toEqual([16, 16, 32, 32, 64, 128]);
    const full = batch([row(16, 1), row(4, 1)], 16, 1);
    const grown = withRoom(full, inPlace);
    expect(grown.pastLength).toBe(32);
    expect(slots(grown, 0)).toEqual([...Array.from({ length: 16 }, (_, i) => i), ...Array<number>(16).fill(0)]);
    expect(slots(grown, 1).slice(0, 5)).toEqual([100, 101, 102, 103, 0]);
    const roomy = batch([row(15, 1)], 16, 1);
    expect(withRoom(roomy, inPlace)).toBe(roomy);
  });

  it('sizes the past to the rows exactly for a decoder that appends (rows of one length)', () => {
    const a = batch([row(3, 1), row(3, 1)], 3, 1);
    const merged = gatherRows([{ batch: a, index: 1, row: a.rows[1]! }], appending);
    expect(merged).toMatchObject({ pastLength: 3, encoderLength: 16 });
    expect(slots(merged, 0)).toEqual([100, 101, 102]);
    expect(withRoom(merged, appending)).toBe(merged);
  });

  it('drops leaving rows in place, the last rows filling the gaps, unless the capacity can shrink', () => {
    const rows = [row(20, 1), row(3, 1), row(17, 1), row(5, 1)];
    const full = batch(rows, 32, 1);
    const kept = dropRows(full, (r) => r === rows[0] || r === rows[1], inPlace);
    expect(kept.rows).toEqual([rows[3], rows[2]]);
    expect(kept.pastLength).toBe(32);
    expect(kept.caches.decoder[0]!.key.buffer).toBe(full.caches.decoder[0]!.key.buffer);
    expect(slots(kept, 0).slice(0, 3)).toEqual([300, 301, 302]);
    expect(slots(kept, 1).slice(0, 3)).toEqual([200, 201, 202]);
    expect([...kept.caches.encoder[0]!.key]).toEqual([-300, -300, -200, -200]);
    expect(dropRows(full, () => false, inPlace)).toBe(full);
    const shrunk = dropRows(batch(rows, 32, 1), (r) => r.kvLength > 15, inPlace);
    expect(shrunk).toMatchObject({ rows: [rows[1], rows[3]], pastLength: 16 });
    expect(slots(shrunk, 1).slice(0, 6)).toEqual([300, 301, 302, 303, 304, 0]);
  });

  it('merges joining rows into the room of the largest batch, copying only them, else gathers all anew', () => {
    const running = gatherRows([row(5, 1), row(3, 1), row(2, 1)].map((r, index, rows) => ({ batch: batch(rows, 16, 1), index, row: r })), inPlace);
    const kept = dropRows(running, (r) => r.kvLength === 3, inPlace);
    const merged = mergeBatches([kept, batch([row(1, 1)], 16, 1)], inPlace);
    expect(merged.rows.map((r) => r.kvLength)).toEqual([5, 2, 1]);
    expect(merged.caches.decoder[0]!.key.buffer).toBe(running.caches.decoder[0]!.key.buffer);
    // The joining row's slots: its own entry, then zeros where a dropped row's entries were.
    expect(slots(merged, 2)).toEqual([0, ...Array<number>(15).fill(0)]);
    expect(slots(merged, 1).slice(0, 3)).toEqual([200, 201, 0]);
    expect([...merged.caches.encoderMask]).toEqual([1n, ...Array<bigint>(15).fill(0n), 1n, ...Array<bigint>(15).fill(0n), 1n, ...Array<bigint>(15).fill(0n)]);
    // Full (4 rows of room) or too long an encoder side: gathered anew.
    const full = mergeBatches([merged, batch([row(1, 1), row(1, 1)], 16, 1)], inPlace);
    expect(full.rows).toHaveLength(5);
    expect(full.caches.decoder[0]!.key.buffer).not.toBe(running.caches.decoder[0]!.key.buffer);
    expect(slots(full, 1).slice(0, 3)).toEqual([200, 201, 0]);
    const longer = mergeBatches([dropRows(merged, (r) => r.kvLength === 1, inPlace), batch([row(1, 17)], 16, 17)], inPlace);
    expect(longer).toMatchObject({ encoderLength: 32 });
    expect(longer.rows.map((r) => r.encoderLength)).toEqual([1, 1, 17]);
  });

  it('feeds each row its own position and masks the slots after its new entry', () => {
    const merged = gatherRows([row(3, 1), row(1, 1)].map((r, index, rows) => ({ batch: batch(rows, 16, 1), index, row: r })), inPlace);
    const inputs = stepInputs(merged);
    expect([...inputs.positionIds]).toEqual([3n, 1n]);
    const open = (through: number) => Array.from({ length: 16 }, (_, slot) => (slot <= through ? 0 : MASKED));
    expect([...inputs.selfAttentionMask]).toEqual([...open(3), ...open(1)]);
    expect([...inputs.inputIds]).toEqual([7n, 7n]);
  });
});
