import { abortReason } from '../errors.ts';
import type { ModelLanguages } from '../worker-protocol.ts';
import { dropRows, gatherRows, rowTokens, type BatchRow, type DecodeBatch } from './decode-batch.ts';
import { finished, nextToken } from './generation-rules.ts';
import type { EncodedSource, Seq2SeqSessions } from './seq2seq-sessions.ts';

/**
 * Iteration-level (continuous) batching, in the manner of Orca: between two decoder steps, sequences
 * that arrived are admitted (their encoder and first decoder step run in one batched call) and
 * finished, cancelled or expired ones leave at once; all running sequences then share one decoder
 * call whatever their lengths (ragged batching, see ragged-decoder.ts). Where the decoder could not be
 * rewritten for that, rows share a call only at equal lengths (lock-step).
 */

export interface DecodeLimits {
  /** Sequences decoding at once. */
  maxSequences: number;
  /** Cached tokens (self-attention + encoder entries) over all running sequences; the first always runs. */
  tokenBudget: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxSequences: 64, tokenBudget: 16_384 };

class Sequence implements BatchRow {
  kvLength = 0;
  readonly tokens: number[];
  readonly encoderLength: number;
  done = false;

  constructor(
    readonly source: EncodedSource,
    decoderStartTokenId: number,
    readonly signal: AbortSignal | undefined,
    readonly resolve: (tokens: number[]) => void,
    readonly reject: (reason: unknown) => void,
  ) {
    this.tokens = [decoderStartTokenId];
    this.encoderLength = source.ids.length;
  }

  get lastToken(): number {
    return this.tokens[this.tokens.length - 1]!;
  }
}

export interface DecoderStats {
  steps: number;
  running: number;
  waiting: number;
  ragged: boolean;
}

export class ContinuousDecoder {
  #pending: Sequence[] = [];
  #batches: DecodeBatch<Sequence>[] = [];
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

  /** Token ids of a translation: the decoder start token, the generated ones, end-of-sentence. */
  translateIds(text: string, languages: ModelLanguages, signal?: AbortSignal): Promise<number[]> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    let source: EncodedSource;
    try {
      source = this.sessions.tokenize(text, languages);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<number[]>((resolve, reject) => {
      this.#pending.push(new Sequence(source, this.sessions.rules.decoderStartTokenId, signal, resolve, reject));
      if (!this.#running) void this.#loop();
    });
  }

  async translate(text: string, languages: ModelLanguages, signal?: AbortSignal): Promise<string> {
    return this.sessions.decode(await this.translateIds(text, languages, signal));
  }

  /** Resolves after the decoder's next step (or at once when idle), for tests and the self-check. */
  nextStep(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => this.#stepWaiters.push(resolve));
  }

  stats(): DecoderStats {
    return { steps: this.#steps, running: this.#batches.reduce((n, b) => n + b.rows.length, 0), waiting: this.#pending.length, ragged: this.#ragged };
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
        if (newcomers.length > 0) {
          const { batch, logits } = await this.sessions.start(newcomers, newcomers.map((s) => s.source));
          this.#choose(batch, logits);
          this.#batches.push(batch);
        }
        for (const batch of running) this.#choose(batch, await this.sessions.step(batch));
        this.#steps += 1;
        this.#regroup();
        for (const wake of this.#stepWaiters.splice(0)) wake();
        // Lets new sequences and cancellations arrive between two steps.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (err) {
      for (const sequence of [...this.#batches.flatMap((b) => b.rows), ...this.#pending]) if (!sequence.done) sequence.reject(err);
      this.#batches = [];
      this.#pending = [];
    } finally {
      this.#running = false;
      for (const wake of this.#stepWaiters.splice(0)) wake();
    }
  }

  #dropAborted(): void {
    const abort = (sequence: Sequence) => {
      if (sequence.done || !sequence.signal?.aborted) return false;
      sequence.done = true;
      sequence.reject(abortReason(sequence.signal));
      return true;
    };
    this.#pending = this.#pending.filter((sequence) => !abort(sequence));
    let removed = false;
    for (const batch of this.#batches) for (const row of batch.rows) removed = abort(row) || removed;
    if (removed) this.#regroup();
  }

  #admit(): Sequence[] {
    let rows = this.#batches.reduce((n, b) => n + b.rows.length, 0);
    let tokens = this.#batches.reduce((n, b) => n + b.rows.reduce((sum, row) => sum + rowTokens(row), 0), 0);
    const admitted: Sequence[] = [];
    while (this.#pending.length > 0 && rows < this.limits.maxSequences) {
      const cost = rowTokens(this.#pending[0]!);
      if (rows > 0 && tokens + cost > this.limits.tokenBudget) break;
      admitted.push(this.#pending.shift()!);
      rows += 1;
      tokens += cost;
    }
    return admitted;
  }

  #choose(batch: DecodeBatch<Sequence>, logits: Float32Array): void {
    const vocab = logits.length / batch.rows.length;
    const { rules } = this.sessions;
    batch.rows.forEach((row, i) => {
      if (row.done) return;
      row.tokens.push(nextToken(logits.subarray(i * vocab, (i + 1) * vocab), row.tokens, rules, row.source.forcedBosTokenId));
      if (!finished(row.tokens, rules)) return;
      row.done = true;
      row.resolve(row.tokens);
    });
  }

  /** Finished rows leave; the rest share one batch (ragged) or one batch per length (lock-step). */
  #regroup(): void {
    const shape = this.sessions.shape;
    const unchanged = (batch: DecodeBatch<Sequence>) => batch.rows.every((row) => !row.done);
    const sources = (batches: DecodeBatch<Sequence>[]) =>
      batches.flatMap((batch) => batch.rows.flatMap((row, index) => (row.done ? [] : [{ batch, index, row }])));
    if (this.#ragged) {
      if (this.#batches.length === 1) {
        const batch = dropRows(this.#batches[0]!, (row) => row.done, shape);
        this.#batches = batch.rows.length > 0 ? [batch] : [];
        return;
      }
      const rows = sources(this.#batches);
      this.#batches = rows.length > 0 ? [gatherRows(rows, shape)] : [];
      return;
    }
    const byLength = new Map<number, DecodeBatch<Sequence>[]>();
    for (const batch of this.#batches) {
      if (batch.rows.every((row) => row.done)) continue;
      // A lock-step batch's rows share one length (its capacity may be larger where the decoder writes in place).
      const length = batch.rows[0]!.kvLength;
      byLength.set(length, [...(byLength.get(length) ?? []), batch]);
    }
    this.#batches = [...byLength.values()].map((group) => (group.length === 1 && unchanged(group[0]!) ? group[0]! : gatherRows(sources(group), shape)));
  }
}
