import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../testing/load/load-client.ts';
import { documentsWorkload, floresWorkload, medianMeasurement, poissonArrivals, type Measurement } from './workloads.ts';

describe('bursty workloads', () => {
  it('draws Poisson arrivals: the first at once, exponential gaps of the given mean, the same every time', () => {
    const arrivals = poissonArrivals(2000, 50, seededRandom(1));
    expect(arrivals[0]).toBe(0);
    expect(arrivals.every((at, i) => i === 0 || at >= arrivals[i - 1]!)).toBe(true);
    expect(arrivals.at(-1)! / 1999).toBeGreaterThan(45);
    expect(arrivals.at(-1)! / 1999).toBeLessThan(55);
    expect(poissonArrivals(5, 50, seededRandom(1))).toEqual(arrivals.slice(0, 5));
    expect(poissonArrivals(3, 0, seededRandom(1))).toEqual([0, 0, 0]);
  });

  it('sends distinct FLORES sentences in file order, one per request, its targets in turn, with arrival times per burst', () => {
    const workload = floresWorkload(['a', 'b', 'c', 'd', 'e'], { bursts: 2, requests: 3, arrivalMs: 10, targets: ['de', 'fr'] });
    expect(workload.bursts).toEqual([
      [{ segments: ['a'], target: 'de' }, { segments: ['b'], target: 'fr' }, { segments: ['c'], target: 'de' }],
      [{ segments: ['d'], target: 'de' }, { segments: ['e'], target: 'fr' }, { segments: ['a'], target: 'de' }],
    ]);
    expect(workload.arrivalsMs.map((burst) => burst.length)).toEqual([3, 3]);
    expect(workload.description).toMatch(/^2 burst\(s\) of 3 requests .* English → de, fr \(in turn/);
  });

  it('fills multi-segment requests with consecutive sentences from the second half, 2 to the maximum each', () => {
    const sentences = Array.from({ length: 100 }, (_, i) => `s${i}`);
    const workload = documentsWorkload(sentences, { bursts: 3, requests: 20, arrivalMs: 10, targets: ['de'] }, 6);
    const requests = workload.bursts.flat();
    const sizes = requests.map((request) => request.segments.length);
    expect(Math.min(...sizes)).toBe(2);
    expect(Math.max(...sizes)).toBe(6);
    expect(requests.flatMap((request) => request.segments).slice(0, 3)).toEqual(['s50', 's51', 's52']);
    expect(documentsWorkload(sentences, { bursts: 3, requests: 20, arrivalMs: 10, targets: ['de'] }, 6)).toEqual(workload);
  });

  it('reports the median of each figure over the repeats', () => {
    const run = (rate: number, p99: number): Measurement => ({
      requests: 8, segments: 8, statuses: { 200: 8 }, busySeconds: 8 / rate, segmentsPerSecond: rate, tokensPerSecond: rate * 20,
      latencyMs: { p50: p99 / 2, p95: p99, p99, max: p99 }, firstAnswerMs: 100, cachedSegments: 0,
    });
    const median = medianMeasurement([run(1, 900), run(3, 300), run(2, 600)]);
    expect(median).toMatchObject({ requests: 24, statuses: { 200: 24 }, segmentsPerSecond: 2, tokensPerSecond: 40, latencyMs: { p99: 600 } });
  });
});
