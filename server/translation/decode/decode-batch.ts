/**
 * The rows that share decoder calls, and their caches laid out as the merged decoder takes them: the
 * self-attention past [batch, heads, capacity, headDim] with every row's entries from slot 0, the encoder's
 * keys/values, states and mask right-padded. A decoder rewritten for ragged batches writes each row's new
 * entry at the row's own slot, inside a capacity that doubles when a row needs room, so a row's entries sit
 * at the same slots whatever the batch; the export's decoder appends, so there all rows share one length
 * and the capacity is that length. A step feeds the decoder's present outputs straight back as the next
 * past; a leaving row's gap takes the batch's last row, and the whole cache is copied only when rows join
 * (or, in beam search, fork) or the capacity doubles or can halve.
 */

export interface CacheShape {
  layers: number;
  heads: number;
  headDim: number;
  dModel: number;
  /** The decoder writes a row's new self-attention entry at the row's slot of a fixed capacity (ragged-decoder.ts), instead of appending it. */
  writesInPlace: boolean;
}

/** What the batch needs of a sequence's row. */
export interface BatchRow {
  /** Self-attention entries cached (tokens fed so far). */
  kvLength: number;
  /** Source tokens (the encoder's unpadded length). */
  encoderLength: number;
  /** The token to feed next. */
  readonly lastToken: number;
}

export interface BatchCaches {
  /** Per layer: decoder key, decoder value, encoder key, encoder value. */
  decoder: { key: Float32Array; value: Float32Array }[];
  encoder: { key: Float32Array; value: Float32Array }[];
  encoderStates: Float32Array;
  encoderMask: BigInt64Array;
}

export interface DecodeBatch<R extends BatchRow> {
  rows: R[];
  /** The self-attention past's length axis: its capacity (rows hold kvLength entries from slot 0). */
  pastLength: number;
  /** Padded encoder length. */
  encoderLength: number;
  caches: BatchCaches;
}

/** Large enough that exp() of a masked score is exactly 0 in float32, small enough to stay finite. */
export const MASKED = -1e9;

export const emptyCaches = (layers: number): BatchCaches => ({
  decoder: Array.from({ length: layers }, () => ({ key: new Float32Array(0), value: new Float32Array(0) })),
  encoder: Array.from({ length: layers }, () => ({ key: new Float32Array(0), value: new Float32Array(0) })),
  encoderStates: new Float32Array(0),
  encoderMask: new BigInt64Array(0),
});

/** A row of a batch, to be copied into another. */
export interface RowSource<R extends BatchRow> {
  batch: DecodeBatch<R>;
  index: number;
  /** The row as it goes on (a beam's child may differ from its parent). */
  row: R;
}

/** Copies `count` spans of `span` floats, spaced `fromStride` apart in `from` and `toStride` in `to`. */
function copySpans(from: Float32Array, fromStart: number, fromStride: number, to: Float32Array, toStart: number, toStride: number, span: number, count: number): void {
  if (span === 0) return;
  for (let i = 0; i < count; i += 1) to.set(from.subarray(fromStart + i * fromStride, fromStart + i * fromStride + span), toStart + i * toStride);
}

// Padded lengths are multiples of any SIMD width (16 floats), so that a row's valid entries fall into the same
// vector lanes of a reduction whatever the padding, never into a kernel's scalar tail.
const LANES = 16;

/** The encoder side's padded length for rows of up to `encoderLength` source tokens. */
export const encoderCapacity = (encoderLength: number): number => Math.ceil(encoderLength / LANES) * LANES;

/** The past's length axis for rows of up to `kvLength` entries: room for the next entry, doubling (in place), or exactly (appending). */
export function pastCapacity(kvLength: number, shape: CacheShape): number {
  if (!shape.writesInPlace) return kvLength;
  let capacity = LANES;
  while (capacity < kvLength + 1) capacity *= 2;
  return capacity;
}

/** The batch itself, or (when a row has no free slot for the next entry) its rows copied into a doubled capacity. */
export function withRoom<R extends BatchRow>(batch: DecodeBatch<R>, shape: CacheShape): DecodeBatch<R> {
  const longest = Math.max(0, ...batch.rows.map((row) => row.kvLength));
  if (!shape.writesInPlace || longest < batch.pastLength) return batch;
  return gatherRows(batch.rows.map((row, index) => ({ batch, index, row })), shape);
}

/**
 * A new batch of the given rows, each copied from where it is now; padding shrinks to what the longest row needs.
 * Its buffers have room for rows to join (up to the next power of two), so that a join copies only the newcomers.
 */
export function gatherRows<R extends BatchRow>(sources: RowSource<R>[], shape: CacheShape): DecodeBatch<R> {
  const { layers, heads, headDim, dModel } = shape;
  const batchSize = sources.length;
  const pastLength = pastCapacity(Math.max(0, ...sources.map((s) => s.row.kvLength)), shape);
  const encoderLength = encoderCapacity(Math.max(0, ...sources.map((s) => s.row.encoderLength)));
  const room = 2 ** Math.ceil(Math.log2(Math.max(1, batchSize)));
  const floats = (rowSize: number) => new Float32Array(room * rowSize).subarray(0, batchSize * rowSize);
  const caches: BatchCaches = {
    decoder: Array.from({ length: layers }, () => ({ key: floats(heads * pastLength * headDim), value: floats(heads * pastLength * headDim) })),
    encoder: Array.from({ length: layers }, () => ({ key: floats(heads * encoderLength * headDim), value: floats(heads * encoderLength * headDim) })),
    encoderStates: floats(encoderLength * dModel),
    encoderMask: new BigInt64Array(room * encoderLength).subarray(0, batchSize * encoderLength),
  };
  const batch = { rows: sources.map((s) => s.row), pastLength, encoderLength, caches };
  sources.forEach((source, to) => copyRow(source, batch, to, shape, false));
  return batch;
}

/** Copies a row's entries into row `to` of `into`, zeros around them: `into`'s row is cleared first unless it is fresh. */
function copyRow<R extends BatchRow>({ batch, index, row }: RowSource<R>, into: DecodeBatch<R>, to: number, shape: CacheShape, clears = true): void {
  const { layers, heads, headDim, dModel } = shape;
  const { caches, pastLength, encoderLength } = into;
  const from = batch.caches;
  const kv = row.kvLength;
  const enc = row.encoderLength;
  const fromPast = batch.pastLength;
  const fromEncoder = batch.encoderLength;
  const clear = (buffer: Float32Array, rowSize: number) => clears && buffer.fill(0, to * rowSize, (to + 1) * rowSize);
  for (let layer = 0; layer < layers; layer += 1) {
    for (const part of ['key', 'value'] as const) {
      clear(caches.decoder[layer]![part], heads * pastLength * headDim);
      copySpans(
        from.decoder[layer]![part], index * heads * fromPast * headDim, fromPast * headDim,
        caches.decoder[layer]![part], to * heads * pastLength * headDim, pastLength * headDim,
        kv * headDim, heads,
      );
      clear(caches.encoder[layer]![part], heads * encoderLength * headDim);
      copySpans(
        from.encoder[layer]![part], index * heads * fromEncoder * headDim, fromEncoder * headDim,
        caches.encoder[layer]![part], to * heads * encoderLength * headDim, encoderLength * headDim,
        enc * headDim, heads,
      );
    }
  }
  clear(caches.encoderStates, encoderLength * dModel);
  caches.encoderStates.set(from.encoderStates.subarray(index * fromEncoder * dModel, (index * fromEncoder + enc) * dModel), to * encoderLength * dModel);
  if (clears) caches.encoderMask.fill(0n, to * encoderLength, (to + 1) * encoderLength);
  caches.encoderMask.fill(1n, to * encoderLength, to * encoderLength + enc);
}

/** Rows a batch's buffers hold at most: more than its rows where it is a view on a buffer with room (gatherRows). */
function rowRoom(batch: DecodeBatch<BatchRow>): number {
  const { caches } = batch;
  const buffers = [...caches.decoder.flatMap(({ key, value }) => [key, value]), ...caches.encoder.flatMap(({ key, value }) => [key, value]), caches.encoderStates, caches.encoderMask];
  const rows = batch.rows.length;
  return Math.min(...buffers.map((buffer) => (rows === 0 || buffer.length === 0 ? 0 : Math.floor((buffer.buffer.byteLength - buffer.byteOffset) / buffer.BYTES_PER_ELEMENT / (buffer.length / rows)))));
}

/**
 * One batch of all the batches' rows: the other batches' rows copied into the room after the largest batch's
 * rows where they fit its capacities (past, encoder side and rows), so the rows already there are not copied;
 * otherwise all gathered anew.
 */
export function mergeBatches<R extends BatchRow>(batches: DecodeBatch<R>[], shape: CacheShape): DecodeBatch<R> {
  const live = batches.filter((batch) => batch.rows.length > 0);
  if (live.length <= 1) return live[0] ?? batches[0]!;
  const target = live.reduce((largest, batch) => (batch.rows.length > largest.rows.length ? batch : largest));
  const joining = live.filter((batch) => batch !== target).flatMap((batch) => batch.rows.map((row, index) => ({ batch, index, row })));
  const fits =
    target.rows.length + joining.length <= rowRoom(target) &&
    joining.every(({ batch, row }) => row.encoderLength <= target.encoderLength && (shape.writesInPlace ? row.kvLength < target.pastLength : batch.pastLength === target.pastLength));
  if (!fits) return gatherRows([...target.rows.map((row, index) => ({ batch: target, index, row })), ...joining], shape);
  const rows = target.rows.length + joining.length;
  const grow = <T extends Float32Array | BigInt64Array>(buffer: T): T => {
    const rowSize = buffer.length / target.rows.length;
    return (buffer instanceof BigInt64Array ? new BigInt64Array(buffer.buffer, buffer.byteOffset, rows * rowSize) : new Float32Array(buffer.buffer, buffer.byteOffset, rows * rowSize)) as T;
  };
  const { caches } = target;
  const merged: DecodeBatch<R> = {
    rows: [...target.rows, ...joining.map(({ row }) => row)],
    pastLength: target.pastLength,
    encoderLength: target.encoderLength,
    caches: {
      decoder: caches.decoder.map(({ key, value }) => ({ key: grow(key), value: grow(value) })),
      encoder: caches.encoder.map(({ key, value }) => ({ key: grow(key), value: grow(value) })),
      encoderStates: grow(caches.encoderStates),
      encoderMask: grow(caches.encoderMask),
    },
  };
  joining.forEach((source, i) => copyRow(source, merged, target.rows.length + i, shape));
  return merged;
}

/**
 * The batch without the rows that leave. In place where the past's capacity stays: the last rows move into the
 * gaps, so a leaving row costs one row's copy, not the whole cache's; gathered anew where the capacity can shrink.
 */
export function dropRows<R extends BatchRow>(batch: DecodeBatch<R>, leaves: (row: R) => boolean, shape: CacheShape): DecodeBatch<R> {
  const staying = batch.rows.filter((row) => !leaves(row));
  if (staying.length === batch.rows.length) return batch;
  if (pastCapacity(Math.max(0, ...staying.map((row) => row.kvLength)), shape) !== batch.pastLength) {
    return gatherRows(batch.rows.flatMap((row, index) => (leaves(row) ? [] : [{ batch, index, row }])), shape);
  }
  // Each gap takes the last row that stays.
  const rows = [...batch.rows];
  const moves: [from: number, to: number][] = [];
  for (let i = 0; i < rows.length; ) {
    if (!leaves(rows[i]!)) {
      i += 1;
      continue;
    }
    const last = rows.length - 1;
    if (i < last) moves.push([last, i]);
    rows[i] = rows[last]!;
    rows.pop();
  }
  const compact = <T extends Float32Array | BigInt64Array>(buffer: T): T => {
    const rowSize = buffer.length / batch.rows.length;
    for (const [from, to] of moves) buffer.copyWithin(to * rowSize, from * rowSize, (from + 1) * rowSize);
    return buffer.subarray(0, rows.length * rowSize) as T;
  };
  const { caches } = batch;
  return {
    rows,
    pastLength: batch.pastLength,
    encoderLength: batch.encoderLength,
    caches: {
      decoder: caches.decoder.map(({ key, value }) => ({ key: compact(key), value: compact(value) })),
      encoder: caches.encoder.map(({ key, value }) => ({ key: compact(key), value: compact(value) })),
      encoderStates: compact(caches.encoderStates),
      encoderMask: compact(caches.encoderMask),
    },
  };
}

/**
 * The per-step inputs besides the caches: tokens, positions (the slots the new entries go to) and the
 * additive mask over the capacity, open up to and including each row's new entry.
 */
export function stepInputs(batch: DecodeBatch<BatchRow>): { inputIds: BigInt64Array; positionIds: BigInt64Array; selfAttentionMask: Float32Array } {
  const capacity = batch.pastLength;
  const selfAttentionMask = new Float32Array(batch.rows.length * capacity);
  batch.rows.forEach((row, i) => selfAttentionMask.fill(MASKED, i * capacity + row.kvLength + 1, (i + 1) * capacity));
  return {
    inputIds: BigInt64Array.from(batch.rows, (row) => BigInt(row.lastToken)),
    positionIds: BigInt64Array.from(batch.rows, (row) => BigInt(row.kvLength)),
    selfAttentionMask,
  };
}

/** Cached tokens over a batch's rows as the token budget counts them: self-attention plus encoder entries. */
export const rowTokens = (row: BatchRow): number => row.kvLength + 1 + row.encoderLength;
