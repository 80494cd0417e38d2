import { post, type LoadOutcome } from '../../testing/load/load-client.ts';
import type { TranslateResult } from '../../server/translation/service.ts';
import { BackgroundMeter, sampleCpu } from './background-load.ts';
import { serverMemoryMiB } from './memory.ts';
import type { ResultRow } from './report.ts';
import type { ScenarioServer } from './scenario-server.ts';
import { burstRequests, measure, medianMeasurement, type BurstTotals, type Measurement, type Workload, type WorkloadRequest } from './workloads.ts';

export interface RoundPlan {
  /** Idle before each burst. */
  gapMs: number;
  repeats: number;
  /** The machine's, to turn its CPU ticks into seconds. */
  cores: number;
}

/** One workload on one running server. */
export interface Track {
  running: ScenarioServer;
  workload: Workload;
  /** Tokens of a translation, as its model's tokenizer counts them. */
  countTokens: (text: string) => number;
}

interface Progress {
  /** One per repeat of the workload. */
  runs: { outcomes: LoadOutcome[]; totals: BurstTotals }[];
  cache: { hits: number; misses: number; deduplicated: number };
  /** Other processes' CPU time during this track's bursts. */
  background: BackgroundMeter;
  error?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** When the server no longer answers /healthz: that, and the last lines it printed (empty if it was killed from outside). */
async function whyDown({ server }: ScenarioServer): Promise<string> {
  if (await fetch(`${server.url}healthz`).then((res) => res.ok, () => false)) return '';
  const tail = server.output().trim().split('\n').slice(-5).join(' / ');
  return ` (the server is down; its last output: ${tail || 'none'})`;
}

/** Sends each request of the burst at its arrival time; latency counts from its own sending. */
async function sendBurst(url: string, burst: readonly WorkloadRequest[], arrivalsMs: readonly number[]): Promise<{ outcomes: LoadOutcome[]; firstAnswerMs: number }> {
  const started = performance.now();
  let firstAnswerMs = Infinity;
  const outcomes = await Promise.all(
    burstRequests(burst).map(async (request, index) => {
      await sleep(Math.max(0, arrivalsMs[index]! - (performance.now() - started)));
      const outcome = { index, ...(await post(url, request)) };
      if (outcome.status === 200) firstAnswerMs = Math.min(firstAnswerMs, performance.now() - started);
      return outcome;
    }),
  );
  return { outcomes, firstAnswerMs };
}

async function runBurst(track: Track, round: number, progress: Progress): Promise<void> {
  const { server, scenario } = track.running;
  const burst = track.workload.bursts[round]!;
  const before = (await server.stats()).cache;
  const started = performance.now();
  const { outcomes, firstAnswerMs } = await sendBurst(server.url, burst, track.workload.arrivalsMs[round]!);
  const wallMs = performance.now() - started;
  const after = (await server.stats()).cache;
  const run = progress.runs.at(-1)!;
  run.outcomes.push(...outcomes);
  run.totals.busyMs += wallMs;
  run.totals.segments += burst.reduce((sum, request) => sum + request.segments.length, 0);
  for (const outcome of outcomes) {
    if (outcome.status === 200) for (const text of (outcome.body as TranslateResult).translations) run.totals.tokens += track.countTokens(text);
  }
  if (Number.isFinite(firstAnswerMs)) run.totals.firstAnswersMs.push(firstAnswerMs);
  progress.cache.hits += after.hits - before.hits;
  progress.cache.misses += after.misses - before.misses;
  progress.cache.deduplicated += after.deduplicated - before.deduplicated;
  const ok = outcomes.filter((outcome) => outcome.status === 200).length;
  console.log(`[${scenario.id}] ${track.workload.id} run ${progress.runs.length}, burst ${round + 1}/${track.workload.bursts.length}: ${ok}/${outcomes.length} answered in ${(wallMs / 1000).toFixed(1)} s`);
}

/**
 * Round-robin over the tracks, one burst each per round with an idle gap before every burst, so that
 * every scenario meets the same changing background load instead of one scenario getting a quiet minute;
 * the whole workload `repeats` times, each repeat measured on its own (the row reports their medians).
 */
export async function runRounds(tracks: readonly Track[], { gapMs, repeats, cores }: RoundPlan, background: BackgroundMeter): Promise<ResultRow[]> {
  const progress: Progress[] = tracks.map(() => ({ runs: [], cache: { hits: 0, misses: 0, deduplicated: 0 }, background: new BackgroundMeter() }));
  const rounds = Math.max(0, ...tracks.map((track) => track.workload.bursts.length));
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const own of progress) own.runs.push({ outcomes: [], totals: { busyMs: 0, segments: 0, tokens: 0, firstAnswersMs: [] } });
    for (let round = 0; round < rounds; round++) await runRound(tracks, progress, round, gapMs, background);
  }
  // After the load: what each set-up holds once its models ran at full batch.
  const memory = await Promise.all(tracks.map((track) => serverMemoryMiB(track.running.server).catch(() => null)));
  return tracks.map((track, i) => toRow(track, progress[i]!, memory[i]!, cores));
}

/** `background` gathers every burst's window, for the run's validity. */
async function runRound(tracks: readonly Track[], progress: Progress[], round: number, gapMs: number, background: BackgroundMeter): Promise<void> {
  for (const [i, track] of tracks.entries()) {
    const own = progress[i]!;
    if (round >= track.workload.bursts.length || own.error) continue;
    await sleep(gapMs);
    const before = sampleCpu();
    try {
      await runBurst(track, round, own);
    } catch (err) {
      own.error = `${err instanceof Error ? err.message : String(err)}${await whyDown(track.running)}`;
      console.error(`[${track.running.scenario.id}] ${track.workload.id} stopped: ${own.error}`);
    }
    const after = sampleCpu();
    own.background.add(before, after);
    background.add(before, after);
  }
}

function toRow({ running, workload }: Track, progress: Progress, memoryMiB: number | null, cores: number): ResultRow {
  const { hits, misses, deduplicated } = progress.cache;
  const cpuSeconds = progress.background.ownCpuSeconds(cores);
  const sent = progress.runs.reduce((sum, run) => sum + run.totals.segments, 0);
  return {
    scenario: running.scenario.id,
    description: running.description,
    workload: workload.id,
    provider: running.provider,
    precision: running.precision,
    serverStartSeconds: running.startSeconds,
    memoryMiB,
    backgroundCpuShare: progress.background.share(),
    cpuSecondsPerSegment: cpuSeconds === null || sent === 0 ? null : cpuSeconds / sent,
    ...(progress.error ? { error: progress.error } : measurements(progress)),
    ...(workload.id === 'phrases' && { cache: { hits, misses, hitRate: hits + misses === 0 ? 0 : hits / (hits + misses), deduplicated } }),
  };
}

function measurements(progress: Progress): { measurement: Measurement; repeats: Measurement[] } {
  const repeats = progress.runs.map((run) => measure(run.outcomes, run.totals));
  return { measurement: medianMeasurement(repeats), repeats };
}
