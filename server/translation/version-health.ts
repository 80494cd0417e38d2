import type { RollbackReason } from './model-registry.ts';

/** Error rate and p95 latency per version over a rolling window, and the canary's verdict from them. */

export interface Outcome {
  ok: boolean;
  latencyMs: number;
}

export interface WindowStats {
  requests: number;
  errors: number;
  errorRate: number;
  /** Of the successful requests; undefined before any. */
  p95Ms: number | undefined;
}

export interface CanaryThresholds {
  /** Judged only once the candidate has this many requests in the window. */
  minRequests: number;
  windowMs: number;
  maxErrorRate: number;
  /** 0: no absolute limit. */
  maxP95Ms: number;
  /** The candidate's p95 over the stable's (with as many requests); 0: no relative limit. */
  maxP95Ratio: number;
}

// Bounds memory for a busy version; at a few hundred requests a second the window is then shorter than windowMs.
const maxSamples = 2000;

interface Sample extends Outcome {
  at: number;
}

export class VersionHealth {
  readonly #samples = new Map<string, Sample[]>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  record(version: string, outcome: Outcome): void {
    const samples = this.#samples.get(version) ?? [];
    samples.push({ ...outcome, at: this.now() });
    if (samples.length > maxSamples) samples.shift();
    this.#samples.set(version, samples);
  }

  /** Forgets a version: a redeployed version starts with a clean window. */
  reset(version: string): void {
    this.#samples.delete(version);
  }

  stats(version: string): WindowStats {
    const since = this.now() - this.windowMs;
    const samples = (this.#samples.get(version) ?? []).filter((sample) => sample.at >= since);
    this.#samples.set(version, samples);
    const errors = samples.filter((sample) => !sample.ok).length;
    const latencies = samples.filter((sample) => sample.ok).map((sample) => sample.latencyMs);
    return { requests: samples.length, errors, errorRate: samples.length === 0 ? 0 : errors / samples.length, p95Ms: p95(latencies) };
  }
}

function p95(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(0.95 * sorted.length) - 1)];
}

/** Why the candidate must be rolled back, or undefined while it is within the thresholds (or has too few requests). */
export function judgeCanary(candidate: WindowStats, stable: WindowStats, limits: CanaryThresholds): RollbackReason | undefined {
  if (candidate.requests < limits.minRequests) return undefined;
  if (candidate.errorRate > limits.maxErrorRate) return 'error-rate';
  if (candidate.p95Ms === undefined) return undefined;
  if (limits.maxP95Ms > 0 && candidate.p95Ms > limits.maxP95Ms) return 'latency';
  const comparable = stable.requests >= limits.minRequests && stable.p95Ms !== undefined && stable.p95Ms > 0;
  if (limits.maxP95Ratio > 0 && comparable && candidate.p95Ms > limits.maxP95Ratio * stable.p95Ms!) return 'latency-vs-stable';
  return undefined;
}
