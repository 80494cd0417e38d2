/**
 * The rows that share decoder calls, and their caches laid out as the merged decoder takes them: the
 * self-attention past [batch, heads, past, headDim] left-padded (every row's newest entry last, so one
 * step appends to all), the encoder's keys/values, states and mask right-padded. A step feeds the
 * decoder's present outputs straight back as the next past; rows are copied only when the batch's
 * membership changes (rows join, leave or, in beam search, fork).
 */

export interface CacheShape {
  layers: number;
  heads: number;
  headDim: number;
  dModel: number;
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
  /** Padded self-attention length. */
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

/** A new batch of the given rows, each copied from where it is now; padding shrinks to the longest row. */
export function gatherRows<R extends BatchRow>(sources: RowSource<R>[], shape: CacheShape): DecodeBatch<R> {
  const { layers, heads, headDim, dModel } = shape;
  const batchSize = sources.length;
  const pastLength = Math.max(0, ...sources.map((s) => s.row.kvLength));
  const encoderLength = Math.max(0, ...sources.map((s) => s.row.encoderLength));
  const caches: BatchCaches = {
    decoder: Array.from({ length: layers }, () => ({ key: new Float32Array(batchSize * heads * pastLength * headDim), value: new Float32Array(batchSize * heads * pastLength * headDim) })),
    encoder: Array.from({ length: layers }, () => ({ key: new Float32Array(batchSize * heads * encoderLength * headDim), value: new Float32Array(batchSize * heads * encoderLength * headDim) })),
    encoderStates: new Float32Array(batchSize * encoderLength * dModel),
    encoderMask: new BigInt64Array(batchSize * encoderLength),
  };
  sources.forEach(({ batch, index, row }, to) => {
    const from = batch.caches;
    const kv = row.kvLength;
    const enc = row.encoderLength;
    const fromPast = batch.pastLength;
    const fromEncoder = batch.encoderLength;
    for (let layer = 0; layer < layers; layer += 1) {
      for (const part of ['key', 'value'] as const) {
        // Self-attention: the row's last kv entries, right-aligned.
        copySpans(
          from.decoder[layer]![part], (index * heads * fromPast + fromPast - kv) * headDim, fromPast * headDim,
          caches.decoder[layer]![part], (to * heads * pastLength + pastLength - kv) * headDim, pastLength * headDim,
          kv * headDim, heads,
        );
        copySpans(
          from.encoder[layer]![part], index * heads * fromEncoder * headDim, fromEncoder * headDim,
          caches.encoder[layer]![part], to * heads * encoderLength * headDim, encoderLength * headDim,
          enc * headDim, heads,
        );
      }
    }
    caches.encoderStates.set(from.encoderStates.subarray(index * fromEncoder * dModel, (index * fromEncoder + enc) * dModel), to * encoderLength * dModel);
    caches.encoderMask.fill(1n, to * encoderLength, to * encoderLength + enc);
  });
  return { rows: sources.map((s) => s.row), pastLength, encoderLength, caches };
}

/** The per-step inputs besides the caches: tokens, positions and the additive mask over the padded past plus the new token. */
export function stepInputs(batch: DecodeBatch<BatchRow>): { inputIds: BigInt64Array; positionIds: BigInt64Array; selfAttentionMask: Float32Array } {
  const total = batch.pastLength + 1;
  const selfAttentionMask = new Float32Array(batch.rows.length * total);
  batch.rows.forEach((row, i) => selfAttentionMask.fill(MASKED, i * total, i * total + batch.pastLength - row.kvLength));
  return {
    inputIds: BigInt64Array.from(batch.rows, (row) => BigInt(row.lastToken)),
    positionIds: BigInt64Array.from(batch.rows, (row) => BigInt(row.kvLength)),
    selfAttentionMask,
  };
}

/** Cached tokens over a batch's rows as the token budget counts them: self-attention plus encoder entries. */
export const rowTokens = (row: BatchRow): number => row.kvLength + 1 + row.encoderLength;
