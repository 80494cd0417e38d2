import type { AsrBackend } from './asr-protocol.ts';
import type { StageName, StageRun, TranslatedSegment } from './pipeline-types.ts';
import { fallbackReason, placeStages, type DeviceState, type PlacementMode, type Reasons, type StageNeeds } from './placement-policy.ts';

/** What the badges, timings and ASR runs say about each stage. Pure. */

export const BACKEND_LABELS: Record<AsrBackend, string> = { webgpu: 'WebGPU', wasm: 'WebAssembly' };

const STAGE_NAMES: Record<StageName, string> = { asr: 'Speech recognition', translation: 'Translation' };

export interface StageShown {
  placement: 'device' | 'server';
  /** The engine, once a run reported one. */
  backend?: string;
  reasons: Reasons;
}

/** "Translation: server CPU", "Speech recognition: this device (WebGPU)", "Translation: this device, because the server cannot be reached". */
export function stageLabel(stage: StageName, shown: Pick<StageShown, 'placement' | 'backend'> & { reasons?: Reasons }): string {
  const where = shown.placement === 'device' ? `this device${shown.backend ? ` (${shown.backend})` : ''}` : (shown.backend ?? 'server');
  const fallback = shown.reasons && fallbackReason(shown.reasons);
  return `${STAGE_NAMES[stage]}: ${where}${fallback ? `, because ${fallback}` : ''}`;
}

export interface StageTimings {
  lastMs: number;
  averageMs: number;
  runs: number;
}

function runOf(segment: TranslatedSegment, stage: StageName): StageRun | undefined {
  return stage === 'asr' ? segment.asrRun : segment.translationRun;
}

/** Last and average wall time of a stage over a session's segments, in segment order. */
export function stageTimings(segments: readonly TranslatedSegment[], stage: StageName): StageTimings | undefined {
  const runs = segments.map((segment) => runOf(segment, stage)).filter((run) => run !== undefined);
  if (runs.length === 0) return undefined;
  const total = runs.reduce((sum, run) => sum + run.ms, 0);
  return { lastMs: runs.at(-1)!.ms, averageMs: total / runs.length, runs: runs.length };
}

export function describeTimings(timings: StageTimings | undefined): string {
  if (!timings) return 'no runs yet';
  const ms = (value: number) => `${Math.round(value).toLocaleString('en')} ms`;
  return `last ${ms(timings.lastMs)} · average ${ms(timings.averageMs)} over ${timings.runs} run${timings.runs === 1 ? '' : 's'}`;
}

/** The last segment's run of a stage: what a restored session's badge shows. */
export function lastRun(segments: readonly TranslatedSegment[], stage: StageName): StageRun | undefined {
  for (let index = segments.length - 1; index >= 0; index--) {
    const run = runOf(segments[index]!, stage);
    if (run) return run;
  }
  return undefined;
}

export interface AsrPlacementInput {
  backend: AsrBackend;
  /** Bytes of the loaded model variant, where the manifest knows them. */
  modelBytes: number;
  mode: PlacementMode;
  device: DeviceState;
  now: number;
}

/** Where speech recognition runs and why, as the placement policy says, for the model that loaded. */
export function asrPlacement(input: AsrPlacementInput): StageShown & { backend: string } {
  const needs: StageNeeds = {
    stage: 'asr',
    input: 'audio',
    sensitive: false,
    deviceModelBytes: input.modelBytes,
    // The model is loaded and running, so it is stored and fits.
    deviceModelCached: true,
    serverOffers: false,
    deviceMemoryNeededBytes: 0,
  };
  const [decision] = placeStages({
    mode: input.mode,
    stages: [needs],
    device: { ...input.device, webgpu: input.backend === 'webgpu' },
    server: { reachable: false, ready: false },
    now: input.now,
  });
  return { placement: decision!.placement, backend: BACKEND_LABELS[input.backend], reasons: decision!.reasons };
}

/** One recognised segment as a StageRun, timed by the worker's compute time (real-time factor × audio length). */
export function asrStageRun(placement: StageShown & { backend: string }, audioSeconds: number, realTimeFactor: number): StageRun {
  return { stage: 'asr', ...placement, ms: Math.max(0, realTimeFactor * audioSeconds * 1000) };
}
