import { describe, expect, it } from 'vitest';
import { parseServerBenchOptions } from './options.ts';
import { selectScenarios } from './plan.ts';
import { NLLB } from './scenarios.ts';

describe('bench:server options', () => {
  it('defaults to the CPU, 3 repeats and bursts of 32 single-sentence requests', () => {
    const options = parseServerBenchOptions([]);
    expect(options).toMatchObject({ providers: ['cpu'], repeats: 3, burstSize: 32, nllb: 'auto', nllbTargets: ['de', 'fr', 'es', 'it'] });
  });

  it('leaves NLLB fp32 on the CPU out unless asked for, by name or with all', () => {
    expect(parseServerBenchOptions([]).scenarios).not.toContain('nllb-fp32-batch1');
    expect(parseServerBenchOptions([]).scenarios).toContain('nllb-q8-batch1');
    expect(parseServerBenchOptions(['--scenarios', 'all']).scenarios).toContain('nllb-fp32-batch1');
  });

  it('takes providers and scenarios as lists, and a quick single repeat', () => {
    const options = parseServerBenchOptions(['--providers', 'cpu, cuda', '--scenarios', 'marian-q8-batch1,cuda-nllb-fp16-continuous', '--repeats', '1']);
    expect(options).toMatchObject({ providers: ['cpu', 'cuda'], scenarios: ['marian-q8-batch1', 'cuda-nllb-fp16-continuous'], repeats: 1 });
  });

  it('refuses unknown providers, scenarios, targets and numbers out of range, saying which', () => {
    expect(() => parseServerBenchOptions(['--providers', 'rocm'])).toThrow(/--providers: unknown rocm \(known: cpu, cuda\)/);
    expect(() => parseServerBenchOptions(['--providers', ','])).toThrow(/--providers must name at least one/);
    expect(() => parseServerBenchOptions(['--scenarios', 'marian-q4-batch1'])).toThrow(/--scenarios: unknown marian-q4-batch1/);
    expect(() => parseServerBenchOptions(['--nllb-targets', 'German'])).toThrow(/--nllb-targets must list ISO 639 codes/);
    expect(() => parseServerBenchOptions(['--repeats', '0'])).toThrow(/--repeats must be a whole number of at least 1/);
    expect(() => parseServerBenchOptions(['--nllb', 'maybe'])).toThrow(/--nllb must be auto, on or off/);
  });
});

describe('bench:server planning', () => {
  const ids = (argv: string[], cuda?: Parameters<typeof selectScenarios>[1]) => selectScenarios(parseServerBenchOptions(argv), cuda).scenarios.map((s) => s.id);

  it('runs the CPU scenarios only, unless CUDA is asked for', () => {
    const cpu = selectScenarios(parseServerBenchOptions([]), undefined).scenarios;
    expect(cpu.every((scenario) => scenario.provider === 'cpu')).toBe(true);
    expect(cpu.map((s) => s.id)).toContain('marian-q8-continuous');
    const both = ids(['--providers', 'cpu,cuda'], { available: true, gpu: 'NVIDIA H200' });
    expect(both).toContain('marian-q8-continuous');
    expect(both).toContain('cuda-nllb-fp16-continuous');
    expect(ids(['--providers', 'cuda'], { available: true, gpu: 'NVIDIA H200' }).every((id) => id.startsWith('cuda-'))).toBe(true);
  });

  it('stops before measuring when CUDA is asked for and unavailable, with the reason', () => {
    const options = parseServerBenchOptions(['--providers', 'cpu,cuda']);
    expect(() => selectScenarios(options, { available: false, reason: 'no NVIDIA GPU here' })).toThrow(/^CUDA is unavailable: no NVIDIA GPU here\. Nothing was measured/);
    expect(() => selectScenarios(options, undefined)).toThrow(/CUDA is unavailable/);
  });

  it('leaves NLLB out with a note when it is off, and refuses a selection that leaves nothing', () => {
    const off = selectScenarios(parseServerBenchOptions(['--nllb', 'off']), undefined);
    expect(off.scenarios.some((scenario) => scenario.model === NLLB)).toBe(false);
    expect(off.notes).toEqual([`${NLLB} skipped (--nllb off).`]);
    expect(() => ids(['--scenarios', 'cuda-marian-fp16-batch1'])).toThrow(/No scenario left to run: --scenarios names none on --providers cpu/);
  });

  it('sends the multi-segment requests to Marian at each provider\'s default precision only', () => {
    const scenarios = selectScenarios(parseServerBenchOptions(['--providers', 'cpu,cuda']), { available: true, gpu: 'GPU' }).scenarios;
    const withDocuments = scenarios.filter((scenario) => scenario.workloads.includes('documents')).map((scenario) => scenario.id);
    expect(withDocuments).toEqual(['marian-q8-batch1', 'marian-q8-dynamic', 'marian-q8-continuous', 'cuda-marian-fp16-batch1', 'cuda-marian-fp16-dynamic', 'cuda-marian-fp16-continuous']);
  });
});
