import { describe, expect, it } from 'vitest';
import { DrainRate } from './drain-rate.ts';

describe('DrainRate', () => {
  it('knows nothing until a batch finished, and then suggests a one-second retry', () => {
    const rate = new DrainRate(1);
    expect(rate.perSecond).toBeUndefined();
    expect(rate.secondsToDrain(1000)).toBe(1);
  });

  it('starts at the first sample and scales it by the batches that run side by side', () => {
    const rate = new DrainRate(2);
    rate.record(10, 500);
    expect(rate.perSecond).toBe(40);
  });

  it('moves towards new samples by alpha', () => {
    const rate = new DrainRate(1, 0.5);
    rate.record(10, 1000);
    rate.record(30, 1000);
    expect(rate.perSecond).toBe(20);
  });

  it('turns a backlog into whole seconds, at least one and at most five minutes', () => {
    const rate = new DrainRate(1);
    rate.record(10, 1000);
    expect(rate.secondsToDrain(25)).toBe(3);
    expect(rate.secondsToDrain(1)).toBe(1);
    expect(rate.secondsToDrain(1e9)).toBe(300);
  });

  it('survives a zero-length batch', () => {
    const rate = new DrainRate(1);
    rate.record(5, 0);
    expect(rate.perSecond).toBe(5000);
  });
});
