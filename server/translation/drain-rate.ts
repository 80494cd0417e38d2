const maxRetryAfterSeconds = 300;

/**
 * How fast the queue drains, in segments per second: an exponentially weighted moving average of each
 * batch's throughput times the number of batches that run side by side.
 */
export class DrainRate {
  #perSecond: number | undefined;

  constructor(
    private readonly parallelism: number,
    private readonly alpha = 0.3,
  ) {}

  get perSecond(): number | undefined {
    return this.#perSecond;
  }

  record(segments: number, durationMs: number): void {
    const sample = ((segments * 1000) / Math.max(durationMs, 1)) * this.parallelism;
    this.#perSecond = this.#perSecond === undefined ? sample : this.alpha * sample + (1 - this.alpha) * this.#perSecond;
  }

  /** Whole seconds (as Retry-After wants) until `segments` more have drained; 1 before anything was measured. */
  secondsToDrain(segments: number): number {
    if (this.#perSecond === undefined) return 1;
    return Math.min(maxRetryAfterSeconds, Math.max(1, Math.ceil(segments / this.#perSecond)));
  }
}
