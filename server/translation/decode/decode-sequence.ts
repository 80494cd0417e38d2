import { BeamSearch, type Beam } from './beam-search.ts';
import type { BatchRow } from './decode-batch.ts';
import type { GenerationRules } from './generation-rules.ts';
import type { EncodedSource } from './seq2seq-sessions.ts';

/** What the continuous decoder runs: sequences, and their rows in the batch. */

/** One translation being decoded: one row (greedy) or up to `width` rows, its beams. */
export class Sequence {
  done = false;
  readonly search: BeamSearch | undefined;
  /** Its row for the encoder and the first decoder step. */
  readonly first: Row;

  constructor(
    readonly source: EncodedSource,
    decoderStartTokenId: number,
    readonly width: number,
    rules: GenerationRules,
    readonly signal: AbortSignal | undefined,
    private readonly resolve: (hypotheses: number[][]) => void,
    private readonly reject: (reason: unknown) => void,
  ) {
    this.search = width === 1 ? undefined : new BeamSearch(width, rules, source.forcedBosTokenId);
    this.first = new Row(this, [decoderStartTokenId], 0, 0);
  }

  finish(hypotheses: number[][]): void {
    this.done = true;
    this.resolve(hypotheses);
  }

  fail(reason: unknown): void {
    this.done = true;
    this.reject(reason);
  }
}

/** A row of the running decode: a greedy sequence, or one beam of a beam search. */
export class Row implements BatchRow, Beam {
  readonly encoderLength: number;

  constructor(
    readonly sequence: Sequence,
    readonly tokens: number[],
    public kvLength: number,
    /** The beam's sum of log-probabilities (beam search only). */
    readonly score: number,
    /** The beam's place in its search's order, which its row's place in the batch need not follow. */
    readonly rank = 0,
  ) {
    this.encoderLength = sequence.source.ids.length;
  }

  get lastToken(): number {
    return this.tokens[this.tokens.length - 1]!;
  }
}
