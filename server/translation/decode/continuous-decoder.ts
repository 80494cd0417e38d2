import { abortReason } from '../errors.ts';
import type { ModelLanguages } from '../worker-protocol.ts';
import type { BeamSearch } from './beam-search.ts';
import { dropRows, gatherRows, mergeBatches, rowTokens, type DecodeBatch, type RowSource } from './decode-batch.ts';
import { Row, Sequence } from './decode-sequence.ts';
import { finished, forcedToken, nextToken } from './generation-rules.ts';
import type { Seq2SeqSessions, StepOutput } from './seq2seq-sessions.ts';

/**
 * Iteration-level (continuous) batching, in the manner of Orca: between two decoder steps, sequences
 * that arrived are admitted (their encoder and first decoder step run in one batched call) and
 * finished, cancelled or expired ones leave at once; all running sequences then share one decoder
 * call whatever their lengths (ragged batching, see ragged-decoder.ts). Where the decoder could not be
 * rewritten for that, rows share a call only at equal lengths (lock-step). A sequence decodes greedily in
 * one row, or by beam search (beam-search.ts) in one row per beam, forked between steps from its parents' rows.
 */

export interface DecodeLimits {
  /** Sequences decoding at once; a beam search counts as its width. */
  maxSequences: number;
  /** Cached tokens (self-attention + encoder entries) over all running sequences, a beam search's times its width; the first always runs. */
  tokenBudget: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxSequences: 64, tokenBudget: 16_384 };

export interface DecodeOptions {
  /** Beam width, 1 (greedy) to the contract's maxBeams; a beam search takes one row of the decode per beam. */
  beams?: number;
  signal?: AbortSignal;
}

export interface DecoderStats {
  steps: number;
  /** Rows decoding: one per greedy sequence, one per beam of a beam search. */
  running: number;
  waiting: number;
  ragged: boolean;
}

export class ContinuousDecoder {
  #pending: Sequence[] = [];
  #batches: DecodeBatch<Row>[] = [];
  #running = false;
  #steps = 0;
  #ragged: boolean;
  #stepWaiters: (() => void)[] = [];

  constructor(
    readonly sessions: Seq2SeqSessions,
    private readonly limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
  ) {
    this.#ragged = sessions.ragged;
  }

  get ragged(): boolean {
    return this.#ragged;
  }

  /** Token ids of a translation: the decoder start token, the generated ones, end-of-sentence; with beams, the best hypothesis. */
  async translateIds(text: string, languages: ModelLanguages, signal?: AbortSignal, beams = 1): Promise<number[]> {
    return (await this.hypotheses(text, languages, { signal, beams }))[0]!;
  }

  /** The token ids of a translation's finished hypotheses, best first: greedy's one, or up to `beams`. */
  hypotheses(text: string, languages: ModelLanguages, { signal, beams = 1 }: DecodeOptions = {}): Promise<number[][]> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<number[][]>((resolve, reject) => {
      const { rules } = this.sessions;
      this.#pending.push(new Sequence(this.sessions.tokenize(text, languages), rules.decoderStartTokenId, beams, rules, signal, resolve, reject));
      if (!this.#running) void this.#loop();
    });
  }

  /** Resolves after the decoder's next step (or at once when idle), for tests and the self-check. */
  nextStep(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => this.#stepWaiters.push(resolve));
  }

  stats(): DecoderStats {
    return { steps: this.#steps, running: this.#batches.reduce((rows, batch) => rows + batch.rows.length, 0), waiting: this.#pending.length, ragged: this.#ragged };
  }

  /**
   * Ragged batching proven on this model: a sequence that joins another's decode two steps late gets the
   * same tokens as alone. Otherwise the decoder falls back to lock-step batching; returns why.
   */
  async selfCheck(languages: ModelLanguages): Promise<string | undefined> {
    if (!this.#ragged) return this.sessions.raggedProblem;
    const [first, second] = ['Hello, world, this is a longer check sentence.', 'A short one.'];
    const alone = [await this.translateIds(first, languages), await this.translateIds(second, languages)];
    const joined = this.translateIds(first, languages);
    await this.nextStep();
    await this.nextStep();
    const together = await Promise.all([joined, this.translateIds(second, languages)]);
    if (JSON.stringify(together) === JSON.stringify(alone)) return undefined;
    this.#ragged = false;
    return `a sequence joining a running decode got other tokens than alone (${JSON.stringify(together)} vs ${JSON.stringify(alone)})`;
  }

  async #loop(): Promise<void> {
    this.#running = true;
    try {
      while (this.#pending.length > 0 || this.#batches.length > 0) {
        this.#dropAborted();
        const running = [...this.#batches];
        const newcomers = this.#admit();
        const next = new Map<DecodeBatch<Row>, RowSource<Row>[]>();
        if (newcomers.length > 0) {
          const logits = newcomers.some((sequence) => sequence.search);
          const { batch, output } = await this.sessions.start(newcomers.map((s) => s.first), newcomers.map((s) => s.source), { logits });
          next.set(batch, this.#choose(batch, output));
          this.#batches.push(batch);
        }
        for (const batch of running) {
          const logits = batch.rows.some((row) => row.sequence.search);
          next.set(batch, this.#choose(batch, await this.sessions.step(batch, { logits })));
        }
        this.#steps += 1;
        this.#regroup(next);
        for (const wake of this.#stepWaiters.splice(0)) wake();
        // Lets new sequences and cancellations arrive between two steps.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (err) {
      for (const sequence of new Set([...this.#batches.flatMap((b) => b.rows.map((row) => row.sequence)), ...this.#pending])) if (!sequence.done) sequence.fail(err);
      this.#batches = [];
      this.#pending = [];
    } finally {
      this.#running = false;
      for (const wake of this.#stepWaiters.splice(0)) wake();
    }
  }

  /** Cancelled and expired sequences leave, all their rows at once. */
  #dropAborted(): void {
    const abort = (sequence: Sequence) => {
      if (sequence.done || !sequence.signal?.aborted) return false;
      sequence.fail(abortReason(sequence.signal));
      return true;
    };
    this.#pending = this.#pending.filter((sequence) => !abort(sequence));
    let removed = false;
    for (const batch of this.#batches) for (const row of batch.rows) removed = abort(row.sequence) || removed;
    if (!removed) return;
    const live = (batch: DecodeBatch<Row>) => batch.rows.flatMap((row, index) => (row.sequence.done ? [] : [{ batch, index, row }]));
    this.#regroup(new Map(this.#batches.map((batch) => [batch, live(batch)])));
  }

  /** Waiting sequences that fit: each counts `width` rows of the sequence limit and of the token budget. */
  #admit(): Sequence[] {
    const running = new Map<Sequence, Row>();
    for (const batch of this.#batches) for (const row of batch.rows) running.set(row.sequence, row);
    let rows = 0;
    let tokens = 0;
    for (const [sequence, row] of running) {
      rows += sequence.width;
      tokens += sequence.width * rowTokens(row);
    }
    const admitted: Sequence[] = [];
    while (this.#pending.length > 0) {
      const { width, first } = this.#pending[0]!;
      const cost = width * rowTokens(first);
      if (rows > 0 && (rows + width > this.limits.maxSequences || tokens + cost > this.limits.tokenBudget)) break;
      admitted.push(this.#pending.shift()!);
      rows += width;
      tokens += cost;
    }
    return admitted;
  }

  /** Chooses every row's next token; returns the rows that go on, each with where its cache is (a beam's: its parent's row). */
  #choose(batch: DecodeBatch<Row>, { logits, greedyTokens }: StepOutput): RowSource<Row>[] {
    const rowLogits = (index: number) => {
      const vocab = logits!.length / batch.rows.length;
      return logits!.subarray(index * vocab, (index + 1) * vocab);
    };
    const { rules } = this.sessions;
    const beamRows = new Map<Sequence, number[]>();
    batch.rows.forEach((row, index) => {
      if (!row.sequence.search) return;
      const indices = beamRows.get(row.sequence);
      if (indices) indices.push(index);
      else beamRows.set(row.sequence, [index]);
    });
    const next: RowSource<Row>[] = [];
    batch.rows.forEach((row, index) => {
      const { sequence } = row;
      if (sequence.done) return;
      if (sequence.search) {
        // A beam search steps all its beams at its first row; its children take that place in the batch.
        const indices = beamRows.get(sequence)!;
        if (indices[0] !== index) return;
        const ranked = [...indices].sort((a, b) => batch.rows[a]!.rank - batch.rows[b]!.rank);
        next.push(...this.#stepBeams(batch, sequence, sequence.search, ranked, ranked.map(rowLogits)));
        return;
      }
      const { forcedBosTokenId } = sequence.source;
      const token = greedyTokens ? (forcedToken(row.tokens, rules, forcedBosTokenId) ?? Number(greedyTokens[index])) : nextToken(rowLogits(index), row.tokens, rules, forcedBosTokenId);
      row.tokens.push(token);
      if (finished(row.tokens, rules)) sequence.finish([row.tokens]);
      else next.push({ batch, index, row });
    });
    return next;
  }

  /** `indices`: the search's rows in its beams' order. */
  #stepBeams(batch: DecodeBatch<Row>, sequence: Sequence, search: BeamSearch, indices: number[], logits: Float32Array[]): RowSource<Row>[] {
    const parents = indices.map((index) => batch.rows[index]!);
    const children = search.step(parents, logits);
    if (search.done) {
      try {
        sequence.finish(search.results().map((hypothesis) => hypothesis.tokens));
      } catch (err) {
        sequence.fail(err);
      }
      return [];
    }
    const sources = children.map((child, rank) => {
      const parent = parents[child.parent]!;
      return { batch, index: indices[child.parent]!, row: new Row(sequence, [...parent.tokens, child.token], parent.kvLength, child.score, rank) };
    });
    // Each parent with one child: every child takes its parent's row, and the batch's caches need no copy.
    const oneEach = sources.length === parents.length && new Set(children.map((child) => child.parent)).size === parents.length;
    return oneEach ? sources.sort((a, b) => a.index - b.index) : sources;
  }

  /**
   * The rows that go on (per batch, from #choose or #dropAborted) make the next batches: one (ragged) or one
   * per length (lock-step). A batch whose every row goes on in its own place (as itself, or as the one child
   * of its beam) is kept, with its caches as they are; batches that meet (newcomers joining) are merged into
   * the largest where it has room.
   */
  #regroup(next: Map<DecodeBatch<Row>, RowSource<Row>[]>): void {
    const sources = (batch: DecodeBatch<Row>) => next.get(batch) ?? [];
    let groups: DecodeBatch<Row>[][];
    if (this.#ragged) {
      groups = this.#batches.length > 0 ? [this.#batches] : [];
    } else {
      const byLength = new Map<number, DecodeBatch<Row>[]>();
      for (const batch of this.#batches) {
        const rows = sources(batch);
        if (rows.length === 0) continue;
        // A lock-step batch's rows share one length (its capacity may be larger where the decoder writes in place).
        const length = rows[0]!.row.kvLength;
        byLength.set(length, [...(byLength.get(length) ?? []), batch]);
      }
      groups = [...byLength.values()];
    }
    const { shape } = this.sessions;
    const regrouped = (group: DecodeBatch<Row>[]) => mergeBatches(group.map((batch) => this.#inPlace(batch, sources(batch)) ?? gatherRows(sources(batch), shape)), shape);
    this.#batches = groups.map(regrouped).filter((batch) => batch.rows.length > 0);
  }

  /**
   * The batch of the rows that go on, its caches kept where they are, when no beam forked (every row that goes
   * on has a cache row of its own): rows that leave are taken out in place (one row copied per gap).
   */
  #inPlace(batch: DecodeBatch<Row>, goingOn: RowSource<Row>[]): DecodeBatch<Row> | undefined {
    const byIndex = new Map(goingOn.map((source) => [source.index, source.row]));
    if (byIndex.size !== goingOn.length) return undefined;
    const leaving = new Set(batch.rows.filter((_, index) => !byIndex.has(index)));
    return dropRows({ ...batch, rows: batch.rows.map((row, index) => byIndex.get(index) ?? row) }, (row) => leaving.has(row), this.sessions.shape);
  }
}
