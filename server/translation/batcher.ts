/**
 * Dynamic batching in the manner of Triton's dynamic batcher, with no clock or timers of its own: callers
 * pass `now`, take the batches that are ready and ask when the next one falls due.
 */

export interface BatchPolicy {
  maxBatchSize: number;
  /** Sizes worth sending as soon as that many segments wait, without waiting out the delay. */
  preferredBatchSizes: readonly number[];
  /** Padded tokens per batch: segments × the longest segment's tokens. A longer segment still goes, alone. */
  maxTokens: number;
  /** How long the oldest segment may wait for company before its batch goes out anyway. */
  maxQueueDelayMs: number;
}

export interface Pending<T> {
  readonly id: number;
  readonly key: string;
  readonly tokens: number;
  readonly enqueuedAt: number;
  readonly value: T;
}

/** Segments of one key, shortest first. */
export interface Batch<T> {
  key: string;
  items: Pending<T>[];
}

/** A tokenizer-free estimate: about four characters per subword token, plus the end-of-sequence token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4) + 1;
}

// How far past the oldest segment a batch may reach for segments of similar length: wide enough to cut
// padding, narrow enough that segments near the head are not passed over for long.
const lookaheadBatches = 4;

export class Batcher<T> {
  readonly #queues = new Map<string, Pending<T>[]>();
  readonly #keyOf = new Map<number, string>();
  #nextId = 1;

  constructor(private readonly policyFor: (key: string) => BatchPolicy) {}

  /** Segments waiting, over all keys. */
  get size(): number {
    return this.#keyOf.size;
  }

  add(key: string, value: T, tokens: number, now: number): number {
    const item: Pending<T> = { id: this.#nextId++, key, tokens: Math.max(1, tokens), enqueuedAt: now, value };
    const queue = this.#queues.get(key);
    if (queue) queue.push(item);
    else this.#queues.set(key, [item]);
    this.#keyOf.set(item.id, key);
    return item.id;
  }

  /** Takes a waiting segment out; false when it already left in a batch (or never existed). */
  remove(id: number): boolean {
    const key = this.#keyOf.get(id);
    if (key === undefined) return false;
    const queue = this.#queues.get(key)!;
    queue.splice(queue.findIndex((item) => item.id === id), 1);
    if (queue.length === 0) this.#queues.delete(key);
    this.#keyOf.delete(id);
    return true;
  }

  /** Up to `limit` batches that are ready at `now`, the key with the oldest segment first. */
  take(now: number, limit: number): Batch<T>[] {
    const batches: Batch<T>[] = [];
    while (batches.length < limit) {
      let best: { key: string; items: Pending<T>[]; oldest: number } | undefined;
      for (const [key, queue] of this.#queues) {
        const oldest = queue[0]!.enqueuedAt;
        if (best && best.oldest <= oldest) continue;
        const items = readyBatch(queue, this.policyFor(key), now);
        if (items) best = { key, items, oldest };
      }
      if (!best) break;
      this.#dequeue(best.key, best.items);
      batches.push({ key: best.key, items: best.items });
    }
    return batches;
  }

  /** When the oldest waiting segment of some key reaches its delay; undefined when nothing waits. */
  nextDueAt(): number | undefined {
    let due: number | undefined;
    for (const [key, queue] of this.#queues) {
      const at = queue[0]!.enqueuedAt + this.policyFor(key).maxQueueDelayMs;
      if (due === undefined || at < due) due = at;
    }
    return due;
  }

  #dequeue(key: string, items: Pending<T>[]): void {
    const taken = new Set(items.map((item) => item.id));
    const rest = this.#queues.get(key)!.filter((item) => !taken.has(item.id));
    if (rest.length > 0) this.#queues.set(key, rest);
    else this.#queues.delete(key);
    for (const id of taken) this.#keyOf.delete(id);
  }
}

function readyBatch<T>(queue: Pending<T>[], policy: BatchPolicy, now: number): Pending<T>[] | undefined {
  const largest = formBatch(queue, policy, policy.maxBatchSize);
  const timedOut = now - queue[0]!.enqueuedAt >= policy.maxQueueDelayMs;
  // Cut short by the size or token limit: waiting longer cannot make this batch bigger.
  const full = largest.length === policy.maxBatchSize || largest.length < queue.length;
  if (timedOut || full) return largest;
  const preferred = Math.max(0, ...policy.preferredBatchSizes.filter((size) => size <= largest.length));
  return preferred > 0 ? formBatch(queue, policy, preferred) : undefined;
}

/**
 * The oldest segment plus the segments nearest to it in length, within the lookahead window, as many
 * as the size cap and the padded-token budget allow. Sorting by length keeps padding low.
 */
function formBatch<T>(queue: Pending<T>[], policy: BatchPolicy, sizeCap: number): Pending<T>[] {
  const anchor = queue[0]!;
  const sorted = queue
    .slice(0, sizeCap * lookaheadBatches)
    .sort((a, b) => a.tokens - b.tokens || a.id - b.id);
  let lo = sorted.indexOf(anchor);
  let hi = lo;
  let longest = anchor.tokens;
  const fits = (count: number, longestTokens: number) => count * longestTokens <= policy.maxTokens;
  while (hi - lo + 1 < sizeCap) {
    const count = hi - lo + 2;
    const left = sorted[lo - 1];
    const right = sorted[hi + 1];
    const leftFits = left !== undefined && fits(count, longest);
    const rightFits = right !== undefined && fits(count, right.tokens);
    if (leftFits && (!rightFits || anchor.tokens - left.tokens <= right.tokens - anchor.tokens)) {
      lo -= 1;
    } else if (rightFits) {
      hi += 1;
      longest = right.tokens;
    } else {
      break;
    }
  }
  return sorted.slice(lo, hi + 1);
}
