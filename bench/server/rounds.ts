import { runLoad, type LoadOutcome } from '../../testing/load/load-client.ts';
import { loadAverage } from './host-info.ts';
import { serverMemoryMiB } from './memory.ts';
import type { ResultRow } from './report.ts';
import type { ScenarioServer } from './scenario-server.ts';
import { burstRequests, measure, type Workload } from './workloads.ts';

/** One workload on one running server. */
export interface Track {
  running: ScenarioServer;
  workload: Workload;
}

interface Progress {
  outcomes: LoadOutcome[];
  busyMs: number;
  segments: number;
  cache: { hits: number; misses: number; deduplicated: number };
  loadAverage?: { start: number; end: number };
  error?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** When the server no longer answers /healthz: that, and the last lines it printed (empty if it was killed from outside). */
async function whyDown({ server }: ScenarioServer): Promise<string> {
  if (await fetch(`${server.url}healthz`).then((res) => res.ok, () => false)) return '';
  const tail = server.output().trim().split('\n').slice(-5).join(' / ');
  return ` (the server is down; its last output: ${tail || 'none'})`;
}

async function runBurst(track: Track, round: number, progress: Progress): Promise<void> {
  const { server, scenario } = track.running;
  const burst = track.workload.bursts[round]!;
  const before = (await server.stats()).cache;
  const started = performance.now();
  const outcomes = await runLoad(server.url, burstRequests(burst), burst.length);
  const wallMs = performance.now() - started;
  const after = (await server.stats()).cache;
  progress.outcomes.push(...outcomes);
  progress.busyMs += wallMs;
  progress.segments += burst.reduce((sum, request) => sum + request.length, 0);
  progress.cache.hits += after.hits - before.hits;
  progress.cache.misses += after.misses - before.misses;
  progress.cache.deduplicated += after.deduplicated - before.deduplicated;
  const ok = outcomes.filter((outcome) => outcome.status === 200).length;
  console.log(`[${scenario.id}] ${track.workload.id} burst ${round + 1}/${track.workload.bursts.length}: ${ok}/${outcomes.length} answered in ${(wallMs / 1000).toFixed(1)} s`);
}

/**
 * Round-robin over the tracks, one burst each per round with an idle gap before every burst, so that
 * every scenario meets the same changing background load instead of one scenario getting a quiet minute.
 */
export async function runRounds(tracks: readonly Track[], gapMs: number): Promise<ResultRow[]> {
  const progress: Progress[] = tracks.map(() => ({ outcomes: [], busyMs: 0, segments: 0, cache: { hits: 0, misses: 0, deduplicated: 0 } }));
  const rounds = Math.max(0, ...tracks.map((track) => track.workload.bursts.length));
  for (let round = 0; round < rounds; round++) {
    for (const [i, track] of tracks.entries()) {
      const own = progress[i]!;
      if (round >= track.workload.bursts.length || own.error) continue;
      await sleep(gapMs);
      const start = loadAverage();
      try {
        await runBurst(track, round, own);
      } catch (err) {
        own.error = `${err instanceof Error ? err.message : String(err)}${await whyDown(track.running)}`;
        console.error(`[${track.running.scenario.id}] ${track.workload.id} stopped: ${own.error}`);
      }
      own.loadAverage = { start: own.loadAverage?.start ?? start, end: loadAverage() };
    }
  }
  // After the load: what each set-up holds once its models ran at full batch.
  const memory = await Promise.all(tracks.map((track) => serverMemoryMiB(track.running.server).catch(() => null)));
  return tracks.map((track, i) => toRow(track, progress[i]!, memory[i]!));
}

function toRow({ running, workload }: Track, progress: Progress, memoryMiB: number | null): ResultRow {
  const { hits, misses, deduplicated } = progress.cache;
  return {
    scenario: running.scenario.id,
    description: running.description,
    workload: workload.id,
    provider: running.provider,
    precision: running.precision,
    serverStartSeconds: running.startSeconds,
    memoryMiB,
    loadAverage: progress.loadAverage ?? { start: loadAverage(), end: loadAverage() },
    ...(progress.error ? { error: progress.error } : { measurement: measure(progress.outcomes, progress.busyMs, progress.segments) }),
    ...(workload.id === 'phrases' && { cache: { hits, misses, hitRate: hits + misses === 0 ? 0 : hits / (hits + misses), deduplicated } }),
  };
}
