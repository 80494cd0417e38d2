import { describe, expect, it } from 'vitest';
import { Batcher, estimateTokens, type Batch, type BatchPolicy } from './batcher.ts';

const basePolicy: BatchPolicy = { maxBatchSize: 4, preferredBatchSizes: [], maxTokens: 1000, maxQueueDelayMs: 10 };

function batcher(policy: Partial<BatchPolicy> = {}): Batcher<string> {
  return new Batcher<string>(() => ({ ...basePolicy, ...policy }));
}

const values = (batch: Batch<string> | undefined) => batch?.items.map((item) => item.value);

describe('estimateTokens', () => {
  it('counts about four characters per token plus one', () => {
    expect(estimateTokens('')).toBe(1);
    expect(estimateTokens('abcd')).toBe(2);
    expect(estimateTokens('abcde')).toBe(3);
  });
});

describe('Batcher', () => {
  it('holds a small batch until the oldest segment has waited the max queue delay', () => {
    const b = batcher();
    b.add('k', 'a', 1, 0);
    b.add('k', 'b', 1, 5);
    expect(b.take(9, 1)).toEqual([]);
    expect(b.nextDueAt()).toBe(10);
    expect(values(b.take(10, 1)[0])).toEqual(['a', 'b']);
    expect(b.size).toBe(0);
    expect(b.nextDueAt()).toBeUndefined();
  });

  it('sends a full batch at once and keeps the rest waiting', () => {
    const b = batcher();
    for (const v of ['a', 'b', 'c', 'd', 'e']) b.add('k', v, 1, 0);
    const [batch] = b.take(0, 1);
    expect(values(batch)).toEqual(['a', 'b', 'c', 'd']);
    expect(b.size).toBe(1);
    expect(b.take(0, 1)).toEqual([]);
    expect(values(b.take(10, 1)[0])).toEqual(['e']);
  });

  it('with a zero delay sends whatever waits', () => {
    const b = batcher({ maxQueueDelayMs: 0 });
    b.add('k', 'a', 1, 0);
    expect(values(b.take(0, 1)[0])).toEqual(['a']);
  });

  it('keeps padded tokens (size × longest) within the token budget', () => {
    const b = batcher({ maxTokens: 30 });
    b.add('k', 'ten-a', 10, 0);
    b.add('k', 'ten-b', 10, 0);
    b.add('k', 'ten-c', 10, 0);
    b.add('k', 'ten-d', 10, 0);
    // Four of ten tokens would pad to 40 > 30: the budget makes the batch full at three.
    expect(values(b.take(0, 1)[0])).toEqual(['ten-a', 'ten-b', 'ten-c']);
    expect(b.size).toBe(1);
  });

  it('sends a segment longer than the budget alone rather than never', () => {
    const b = batcher({ maxTokens: 30 });
    b.add('k', 'huge', 100, 0);
    b.add('k', 'small', 1, 0);
    expect(values(b.take(0, 1)[0])).toEqual(['huge']);
    expect(values(b.take(10, 1)[0])).toEqual(['small']);
  });

  it('sends a preferred size as soon as it can be formed, the remainder after the delay', () => {
    const b = batcher({ maxBatchSize: 8, preferredBatchSizes: [2, 4] });
    b.add('k', 'a', 1, 0);
    expect(b.take(1, 1)).toEqual([]);
    for (const v of ['b', 'c', 'd', 'e']) b.add('k', v, 1, 1);
    expect(values(b.take(1, 1)[0])).toEqual(['a', 'b', 'c', 'd']);
    expect(b.take(2, 1)).toEqual([]);
    expect(values(b.take(11, 1)[0])).toEqual(['e']);
  });

  it('groups segments of similar length and orders each batch shortest first', () => {
    const b = batcher({ maxBatchSize: 2 });
    const lengths = [5, 50, 6, 52, 2, 49];
    lengths.forEach((tokens, i) => b.add('k', `s${i}:${tokens}`, tokens, 0));
    const batches = b.take(10, 10).map(values);
    expect(batches).toEqual([
      ['s0:5', 's2:6'],
      ['s5:49', 's1:50'],
      ['s4:2', 's3:52'],
    ]);
  });

  it('always includes the oldest segment, so long ones are not starved', () => {
    const b = batcher({ maxBatchSize: 2, maxTokens: 100 });
    b.add('k', 'long', 40, 0);
    for (let i = 0; i < 6; i++) b.add('k', `short${i}`, 2, 1);
    expect(b.take(1, 1)[0]!.items.map((item) => item.value)).toContain('long');
  });

  it('never mixes keys, respects the limit and serves the key with the oldest segment first', () => {
    const b = batcher({ maxQueueDelayMs: 0 });
    b.add('late', 'x', 1, 5);
    b.add('early', 'y', 1, 1);
    b.add('early', 'z', 1, 2);
    const [first] = b.take(5, 1);
    expect(first).toMatchObject({ key: 'early' });
    expect(values(first)).toEqual(['y', 'z']);
    const [second, none] = b.take(5, 5);
    expect(second).toMatchObject({ key: 'late' });
    expect(none).toBeUndefined();
    expect(b.take(5, 0)).toEqual([]);
  });

  it('applies each key its own policy', () => {
    const b = new Batcher<string>((key) => ({ ...basePolicy, maxBatchSize: key === 'big' ? 3 : 1 }));
    for (const v of ['a', 'b', 'c']) b.add('big', v, 1, 0);
    for (const v of ['d', 'e']) b.add('one', v, 1, 0);
    expect(b.take(0, 5).map((batch) => batch.items.length)).toEqual([3, 1, 1]);
  });

  it('removes cancelled segments before they are sent', () => {
    const b = batcher();
    const a = b.add('k', 'a', 1, 0);
    const c = b.add('k', 'c', 1, 0);
    b.add('k', 'd', 1, 0);
    expect(b.remove(a)).toBe(true);
    expect(b.remove(a)).toBe(false);
    expect(b.size).toBe(2);
    expect(b.nextDueAt()).toBe(10);
    expect(values(b.take(10, 1)[0])).toEqual(['c', 'd']);
    expect(b.remove(c)).toBe(false);
    expect(b.remove(12345)).toBe(false);
  });

  it('forgets a key once its last segment is cancelled', () => {
    const b = batcher();
    const id = b.add('k', 'a', 1, 0);
    b.remove(id);
    expect(b.nextDueAt()).toBeUndefined();
    expect(b.take(100, 1)).toEqual([]);
  });

  it('sends every segment exactly once within its limits, whatever the arrival pattern', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const policy: BatchPolicy = { maxBatchSize: 5, preferredBatchSizes: [3], maxTokens: 60, maxQueueDelayMs: 4 };
    const b = new Batcher<number>(() => policy);
    const sent: number[] = [];
    let expected = 0;
    for (let now = 0; now < 400; now++) {
      const arrivals = Math.floor(random() * 4);
      for (let i = 0; i < arrivals; i++) {
        b.add(random() < 0.5 ? 'a' : 'b', expected++, 1 + Math.floor(random() * 30), now);
      }
      for (const batch of b.take(now, 1 + Math.floor(random() * 2))) {
        const longest = Math.max(...batch.items.map((item) => item.tokens));
        expect(batch.items.length).toBeLessThanOrEqual(policy.maxBatchSize);
        if (batch.items.length > 1) expect(batch.items.length * longest).toBeLessThanOrEqual(policy.maxTokens);
        expect(new Set(batch.items.map((item) => item.key))).toEqual(new Set([batch.key]));
        sent.push(...batch.items.map((item) => item.value));
      }
    }
    while (b.size > 0) sent.push(...b.take(10_000, 10).flatMap((batch) => batch.items.map((item) => item.value)));
    expect([...sent].sort((x, y) => x - y)).toEqual(Array.from({ length: expected }, (_, i) => i));
  });
});
