import { describe, expect, it } from 'vitest';
import { HEADLINE_RATIOS, ratios, type ResultRow } from './report.ts';
import type { WorkloadId } from './scenarios.ts';
import type { Measurement } from './workloads.ts';

const row = (scenario: string, workload: WorkloadId, segmentsPerSecond: number): ResultRow => ({
  scenario,
  description: scenario,
  workload,
  provider: scenario.startsWith('cuda-') ? 'cuda' : 'cpu',
  precision: null,
  serverStartSeconds: 1,
  memoryMiB: 100,
  backgroundCpuShare: 0,
  measurement: { segmentsPerSecond, tokensPerSecond: segmentsPerSecond * 10, latencyMs: { p50: 1, p95: 2, p99: 3, max: 3 } } as Measurement,
});

describe('bench:server ratios', () => {
  it('takes the headline ratios from the bursty flores workload, not the multi-segment one', () => {
    const rows = [row('marian-q8-continuous', 'flores', 6), row('marian-q8-batch1', 'flores', 2), row('marian-q8-dynamic', 'flores', 3), row('marian-q8-continuous', 'documents', 100), row('marian-q8-batch1', 'documents', 1)];
    const [overBatch1, overDynamic] = ratios(rows, Object.values(HEADLINE_RATIOS));
    expect(overBatch1!.value).toBe(3);
    expect(overDynamic!.value).toBe(2);
  });

  it('gives the CPU cost per segment of batch 1 over continuous', () => {
    const rows = [{ ...row('marian-q8-batch1', 'flores', 1), cpuSecondsPerSegment: 1.5 }, { ...row('marian-q8-continuous', 'flores', 3), cpuSecondsPerSegment: 0.5 }];
    expect(ratios(rows).find((ratio) => ratio.name === 'marian-q8: CPU s per segment, batch1 / continuous')?.value).toBe(3);
  });

  it('gives GPU / CPU throughput when both ran, and nothing when the GPU did not', () => {
    const cpu = [row('nllb-q8-continuous', 'flores', 0.5), row('nllb-fp32-continuous', 'flores', 0.25)];
    const gpu = [row('cuda-nllb-fp16-continuous', 'flores', 20), row('cuda-nllb-fp32-continuous', 'flores', 10)];
    const byName = (rows: ResultRow[]) => Object.fromEntries(ratios(rows).map((ratio) => [ratio.name, ratio.value]));
    expect(byName([...cpu, ...gpu])).toMatchObject({ 'nllb continuous: throughput, cuda fp16 / cpu q8': 40, 'nllb continuous: throughput, cuda fp32 / cpu fp32': 40 });
    expect(byName(cpu)['nllb continuous: throughput, cuda fp16 / cpu q8']).toBeNull();
  });
});
