import { describe, expect, it } from 'vitest';
import type { StageRun, TranslatedSegment } from './pipeline-types.ts';
import type { DeviceState } from './placement-policy.ts';
import { asrPlacement, asrStageRun, describeTimings, lastRun, stageLabel, stageTimings } from './stage-summary.ts';

const reasons = { privacy: 'p', cost: 'c', maintenance: 'm', capability: 'k' };
const run = (stage: StageRun['stage'], ms: number, backend = 'server CPU'): StageRun => ({ stage, placement: 'server', backend, reasons, ms });

function segment(segmentId: number, runs: Partial<Pick<TranslatedSegment, 'asrRun' | 'translationRun'>>): TranslatedSegment {
  return { segmentId, startSeconds: 0, endSeconds: 1, sourceText: 'x', status: 'done', ...runs };
}

describe('stageLabel', () => {
  it.each([
    ['translation', { placement: 'server', backend: 'server CPU' }, 'Translation: server CPU'],
    ['translation', { placement: 'server' }, 'Translation: server'],
    ['translation', { placement: 'device', backend: 'WebAssembly' }, 'Translation: this device (WebAssembly)'],
    ['asr', { placement: 'device', backend: 'WebGPU' }, 'Speech recognition: this device (WebGPU)'],
    ['asr', { placement: 'device' }, 'Speech recognition: this device'],
    [
      'translation',
      { placement: 'device', backend: 'WebAssembly', reasons: { privacy: '', cost: '', maintenance: '', capability: 'falls back to this device: the server cannot be reached; runs with WebAssembly' } },
      'Translation: this device (WebAssembly), because the server cannot be reached',
    ],
  ] as const)('%s %o → %s', (stage, shown, label) => {
    expect(stageLabel(stage, shown)).toBe(label);
  });
});

describe('timings', () => {
  const segments = [
    segment(0, { asrRun: run('asr', 30), translationRun: run('translation', 100) }),
    segment(1, { asrRun: run('asr', 50) }),
    segment(2, { asrRun: run('asr', 40.4), translationRun: run('translation', 301, 'server GPU') }),
  ];

  it('gives the last and the average run of each stage', () => {
    expect(stageTimings(segments, 'asr')).toEqual({ lastMs: 40.4, averageMs: 40.4 / 3 + 80 / 3, runs: 3 });
    expect(stageTimings(segments, 'translation')).toEqual({ lastMs: 301, averageMs: 200.5, runs: 2 });
    expect(stageTimings([], 'asr')).toBeUndefined();
  });

  it('describes them in whole milliseconds', () => {
    expect(describeTimings(stageTimings(segments, 'translation'))).toBe('last 301 ms · average 201 ms over 2 runs');
    expect(describeTimings({ lastMs: 1234.4, averageMs: 1234.4, runs: 1 })).toBe('last 1,234 ms · average 1,234 ms over 1 run');
    expect(describeTimings(undefined)).toBe('no runs yet');
  });

  it('finds the last run of a stage', () => {
    expect(lastRun(segments, 'translation')?.backend).toBe('server GPU');
    expect(lastRun([segment(0, {})], 'asr')).toBeUndefined();
  });
});

describe('ASR placement and runs', () => {
  const device: DeviceState = { webgpu: false, hardwareConcurrency: 4, batterySaver: false, online: true };

  it.each(['prefer-server', 'device-only'] as const)('places speech recognition on the device (%s)', (mode) => {
    const placement = asrPlacement({ backend: 'webgpu', modelBytes: 40e6, mode, device, now: 0 });
    expect(placement).toMatchObject({ placement: 'device', backend: 'WebGPU' });
    expect(placement.reasons.privacy).toMatch(/raw audio never leaves the device/);
    expect(placement.reasons.capability).toMatch(/WebGPU/);
  });

  it('names WebAssembly when the model runs on it', () => {
    const placement = asrPlacement({ backend: 'wasm', modelBytes: 40e6, mode: 'prefer-server', device: { ...device, webgpu: true }, now: 0 });
    expect(placement.backend).toBe('WebAssembly');
    expect(placement.reasons.capability).toMatch(/WebAssembly/);
  });

  it('times a run by compute: real-time factor × audio length', () => {
    const placement = asrPlacement({ backend: 'wasm', modelBytes: 40e6, mode: 'prefer-server', device, now: 0 });
    expect(asrStageRun(placement, 2.5, 0.2)).toEqual({ stage: 'asr', placement: 'device', backend: 'WebAssembly', reasons: placement.reasons, ms: 500 });
  });
});
