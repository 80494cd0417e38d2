import { describe, expect, it } from 'vitest';
import { judgeCanary, VersionHealth, type CanaryThresholds } from './version-health.ts';

const limits: CanaryThresholds = { minRequests: 10, windowMs: 60_000, maxErrorRate: 0.05, maxP95Ms: 1000, maxP95Ratio: 3 };

function health() {
  let now = 0;
  const clock = { advance: (ms: number) => (now += ms) };
  return { health: new VersionHealth(limits.windowMs, () => now), clock };
}

const record = (h: VersionHealth, version: string, count: number, latencyMs: number, ok = true) => {
  for (let i = 0; i < count; i++) h.record(version, { ok, latencyMs });
};

describe('version health', () => {
  it('counts errors and the p95 of successful requests over the window', () => {
    const { health: h, clock } = health();
    record(h, 'v', 19, 100);
    record(h, 'v', 1, 900);
    record(h, 'v', 5, 5, false);
    expect(h.stats('v')).toEqual({ requests: 25, errors: 5, errorRate: 0.2, p95Ms: 100 });
    clock.advance(60_001);
    record(h, 'v', 1, 50);
    expect(h.stats('v')).toEqual({ requests: 1, errors: 0, errorRate: 0, p95Ms: 50 });
    expect(h.stats('other')).toEqual({ requests: 0, errors: 0, errorRate: 0, p95Ms: undefined });
    h.reset('v');
    expect(h.stats('v').requests).toBe(0);
  });
});

describe('the canary verdict', () => {
  const judge = (candidate: [number, number, number], stable: [number, number] = [100, 100]) => {
    const { health: h } = health();
    const [ok, failed, latencyMs] = candidate;
    record(h, 'c', ok, latencyMs);
    record(h, 'c', failed, latencyMs, false);
    record(h, 's', stable[0], stable[1]);
    return judgeCanary(h.stats('c'), h.stats('s'), limits);
  };

  it('waits for enough requests', () => expect(judge([0, 9, 10])).toBeUndefined());
  it('rolls back above the error rate, not at it', () => {
    expect(judge([19, 1, 10])).toBeUndefined();
    expect(judge([18, 2, 10])).toBe('error-rate');
  });
  it('rolls back above the absolute p95', () => {
    expect(judge([20, 0, 1000], [100, 900])).toBeUndefined();
    expect(judge([20, 0, 1001], [100, 900])).toBe('latency');
  });
  it('rolls back when the p95 is more than the ratio times the stable one', () => {
    expect(judge([20, 0, 300], [100, 100])).toBeUndefined();
    expect(judge([20, 0, 301], [100, 100])).toBe('latency-vs-stable');
    // The stable has too few requests to compare with.
    expect(judge([20, 0, 301], [5, 100])).toBeUndefined();
  });
  it('ignores limits set to 0', () => {
    const { health: h } = health();
    record(h, 'c', 20, 5000);
    record(h, 's', 20, 1);
    expect(judgeCanary(h.stats('c'), h.stats('s'), { ...limits, maxP95Ms: 0, maxP95Ratio: 0 })).toBeUndefined();
  });
});
