import { Batcher, estimateTokens, type Batch, type BatchPolicy } from './batcher.ts';
import { DrainRate } from './drain-rate.ts';
import { abortReason, TranslationError } from './errors.ts';
import type { Translations } from './worker-protocol.ts';

export interface SegmentResult {
  text: string;
  /** From submission until its batch started. */
  queuedMs: number;
  /** How long its batch took. */
  computeMs: number;
  /** Segments in its batch, which share `computeMs`. */
  batchSize: number;
  /** Its other beam search hypotheses, where the decoder gave them. */
  alternatives?: string[];
}

/**
 * Translates one batch of one key; must answer with one output per input, in order. `signal` aborts when
 * every segment of the batch gave up (cancelled, past its deadline), so a continuous decoder can drop them.
 */
export type ExecuteBatch = (key: string, texts: string[], signal: AbortSignal) => Promise<Translations>;

export interface SchedulerOptions {
  execute: ExecuteBatch;
  policyFor: (key: string) => BatchPolicy;
  /** Segments that may wait; beyond this, requests are refused with a Retry-After. */
  maxQueued: number;
  /** Batches that may run at once (per inference worker: one, or as many as its continuous decoder takes). */
  maxInFlight: number;
  /**
   * Segments that may run at once (a continuous decoder's sequences); the rest wait here, in the bounded
   * queue, so that a full decoder still turns requests away with 429. A batch may overshoot it when it starts below.
   */
  maxInFlightSegments?: number;
  now?: () => number;
  /** Told of every batch that came back, for metrics. */
  onBatch?: (key: string, texts: string[], outputs: string[], computeMs: number) => void;
}

export interface SchedulerStats {
  queued: number;
  maxQueued: number;
  batchesInFlight: number;
  drainRatePerSecond: number | undefined;
}

interface Job {
  text: string;
  signal: AbortSignal;
  submittedAt: number;
  resolve(result: SegmentResult): void;
  reject(reason: unknown): void;
  detach(): void;
}

/** The bounded queue in front of the workers: admission, cancellation, timers and dispatch around a Batcher. */
export class Scheduler {
  readonly #batcher: Batcher<Job>;
  readonly #drain: DrainRate;
  readonly #now: () => number;
  #inFlight = 0;
  #inFlightSegments = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pumpPending = false;

  constructor(private readonly options: SchedulerOptions) {
    this.#batcher = new Batcher<Job>(options.policyFor);
    this.#drain = new DrainRate(options.maxInFlight);
    this.#now = options.now ?? (() => performance.now());
  }

  /** Refuses, with the seconds until there will be room, when `count` more segments would overflow the queue. */
  admit(count: number): void {
    const excess = this.#batcher.size + count - this.options.maxQueued;
    if (excess <= 0) return;
    throw new TranslationError(
      'queue-full',
      `The translation queue is full (${this.#batcher.size} of ${this.options.maxQueued} segments waiting).`,
      this.#drain.secondsToDrain(excess),
    );
  }

  /**
   * Queues one segment. Aborting the signal takes it out of the queue; once its batch has started, the batch
   * is told to stop when all its segments were aborted.
   */
  submit(key: string, text: string, signal: AbortSignal): Promise<SegmentResult> {
    if (signal.aborted) return Promise.reject(abortReason(signal));
    return new Promise<SegmentResult>((resolve, reject) => {
      const onAbort = () => {
        if (!this.#batcher.remove(id)) return;
        reject(abortReason(signal));
        this.#armTimer();
      };
      const job: Job = {
        text,
        signal,
        submittedAt: this.#now(),
        resolve,
        reject,
        detach: () => signal.removeEventListener('abort', onAbort),
      };
      const id = this.#batcher.add(key, job, estimateTokens(text), job.submittedAt);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#schedulePump();
    });
  }

  stats(): SchedulerStats {
    return {
      queued: this.#batcher.size,
      maxQueued: this.options.maxQueued,
      batchesInFlight: this.#inFlight,
      drainRatePerSecond: this.#drain.perSecond,
    };
  }

  // Segments submitted in the same tick (one request's segments) are batched together, not one by one.
  #schedulePump(): void {
    if (this.#pumpPending) return;
    this.#pumpPending = true;
    queueMicrotask(() => {
      this.#pumpPending = false;
      this.#pump();
    });
  }

  #pump(): void {
    const { maxInFlight, maxInFlightSegments = Infinity } = this.options;
    while (this.#inFlight < maxInFlight && this.#inFlightSegments < maxInFlightSegments) {
      const [batch] = this.#batcher.take(this.#now(), 1);
      if (!batch) break;
      this.#run(batch);
    }
    this.#armTimer();
  }

  #full(): boolean {
    return this.#inFlight >= this.options.maxInFlight || this.#inFlightSegments >= (this.options.maxInFlightSegments ?? Infinity);
  }

  /** Wakes up when the oldest waiting segment reaches its delay; a finishing batch wakes the pump anyway. */
  #armTimer(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const due = this.#batcher.nextDueAt();
    if (due === undefined || this.#full()) return;
    this.#timer = setTimeout(() => this.#pump(), Math.max(0, due - this.#now()));
    this.#timer.unref();
  }

  #run(batch: Batch<Job>): void {
    const jobs = batch.items.map((item) => item.value);
    this.#inFlight += 1;
    this.#inFlightSegments += jobs.length;
    for (const job of jobs) job.detach();
    const texts = jobs.map((job) => job.text);
    const startedAt = this.#now();
    const abandoned = new AbortController();
    const stillWanted = () => {
      if (jobs.every((job) => job.signal.aborted)) abandoned.abort(abortReason(jobs[0]!.signal));
    };
    for (const job of jobs) job.signal.addEventListener('abort', stillWanted, { once: true });
    stillWanted();
    this.options
      .execute(batch.key, texts, abandoned.signal)
      .then(({ outputs, alternatives }) => {
        if (outputs.length !== jobs.length || (alternatives && alternatives.length !== jobs.length)) {
          throw new TranslationError('worker-failed', `A batch of ${jobs.length} segments came back with ${outputs.length} translations.`);
        }
        const computeMs = this.#now() - startedAt;
        this.#drain.record(jobs.length, computeMs);
        this.options.onBatch?.(batch.key, texts, outputs, computeMs);
        jobs.forEach((job, i) =>
          job.resolve({
            text: outputs[i]!,
            queuedMs: startedAt - job.submittedAt,
            computeMs,
            batchSize: jobs.length,
            ...(alternatives && { alternatives: alternatives[i]! }),
          }),
        );
      })
      .catch((err: unknown) => {
        for (const job of jobs) job.reject(err);
      })
      .finally(() => {
        for (const job of jobs) job.signal.removeEventListener('abort', stillWanted);
        this.#inFlight -= 1;
        this.#inFlightSegments -= jobs.length;
        this.#pump();
      });
  }
}
