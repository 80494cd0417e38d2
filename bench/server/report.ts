import type { HostInfo } from './host-info.ts';
import type { WorkloadId } from './scenarios.ts';
import type { Measurement } from './workloads.ts';
import { MAX_BACKGROUND_SHARE, MIN_VALID_REPEATS, percent } from './validity.ts';

/** One scenario × workload. */
export interface ResultRow {
  scenario: string;
  /** Model, precision, batching, cache, workers and threads as configured. */
  description: string;
  workload: WorkloadId;
  /** What /v1/models says the server actually ran. */
  provider: string | null;
  precision: string | null;
  serverStartSeconds: number | null;
  /** Resident memory of the server and its inference processes after the load, MiB. */
  memoryMiB: number | null;
  /** Medians over the repeats. */
  measurement?: Measurement;
  repeats?: Measurement[];
  /** From /v1/stats, over this workload alone. */
  cache?: { hits: number; misses: number; hitRate: number; deduplicated: number };
  /** Other processes' share of the machine's CPU time during this row's bursts; null when unknown. */
  backgroundCpuShare: number | null;
  /**
   * CPU seconds the benchmark's process tree spent per segment sent during this row's bursts (its server,
   * the idle ones beside it, the load client): a cost that other processes' load hardly moves.
   */
  cpuSecondsPerSegment?: number | null;
  error?: string;
}

export interface RatioRow {
  name: string;
  value: number | null;
}

type Metric = 'throughput' | 'tokens' | 'p50' | 'p95' | 'p99' | 'memory' | 'start' | 'cpu';
type Side = [scenario: string, workload: WorkloadId];
interface Ratio {
  name: string;
  top: Side;
  bottom: Side;
  metric: Metric;
  /** When the bottom side's metric differs (p99 / p50 of one row). */
  bottomMetric?: Metric;
}

const label = (metric: Metric) => ({ throughput: 'throughput', tokens: 'generated tokens/s', p50: 'p50 latency', p95: 'p95 latency', p99: 'p99 latency', memory: 'resident memory', start: 'server start', cpu: 'CPU s per segment' })[metric];

const over = (prefix: string, top: string, bottom: string, metric: Metric, workload: WorkloadId = 'flores'): Ratio => ({
  name: `${prefix}${workload === 'flores' ? '' : ` ${workload}`}: ${label(metric)}, ${top} / ${bottom}`,
  top: [`${prefix}-${top}`, workload],
  bottom: [`${prefix}-${bottom}`, workload],
  metric,
});

/**
 * Named in server.json as the issue asks: Marian shape, CPU, q8 (the CPU's default precision), on the flores
 * workload: Poisson bursts of single-sentence requests, the bursty traffic the server exists to hold.
 */
export const HEADLINE_RATIOS = {
  continuousOverBatch1: over('marian-q8', 'continuous', 'batch1', 'throughput'),
  continuousOverDynamic: over('marian-q8', 'continuous', 'dynamic', 'throughput'),
};

/** A GPU scenario over its CPU counterpart. */
const gpuOverCpu = (model: 'marian' | 'nllb', gpuPrecision: string, cpuPrecision: string, batching: string): Ratio => ({
  name: `${model} ${batching}: throughput, cuda ${gpuPrecision} / cpu ${cpuPrecision}`,
  top: [`cuda-${model}-${gpuPrecision}-${batching}`, 'flores'],
  bottom: [`${model}-${cpuPrecision}-${batching}`, 'flores'],
  metric: 'throughput',
});

const RATIOS: Ratio[] = [
  ...['marian-q8', 'marian-fp32', 'nllb-q8', 'nllb-fp32', 'cuda-marian-fp16', 'cuda-marian-fp32', 'cuda-nllb-fp16', 'cuda-nllb-fp32'].flatMap((prefix) => [
    over(prefix, 'continuous', 'batch1', 'throughput'),
    over(prefix, 'continuous', 'dynamic', 'throughput'),
    over(prefix, 'dynamic', 'batch1', 'throughput'),
    over(prefix, 'continuous', 'batch1', 'p95'),
    // Cost the other way up (batch1 / continuous): how many times less CPU a segment takes, little moved by others' load.
    over(prefix, 'batch1', 'continuous', 'cpu'),
  ]),
  ...['marian-q8', 'cuda-marian-fp16'].flatMap((prefix) => [over(prefix, 'continuous', 'batch1', 'throughput', 'documents'), over(prefix, 'continuous', 'dynamic', 'throughput', 'documents')]),
  ...['marian-q8', 'nllb-q8', 'cuda-marian-fp16', 'cuda-nllb-fp16'].map(
    (prefix): Ratio => ({ name: `${prefix} continuous under bursts: p99 / p50 latency`, top: [`${prefix}-continuous`, 'flores'], bottom: [`${prefix}-continuous`, 'flores'], metric: 'p99', bottomMetric: 'p50' }),
  ),
  { name: 'marian-q8, repeated phrases: throughput, cache on / off', top: ['marian-q8-cached', 'phrases'], bottom: ['marian-q8-continuous-phrases', 'phrases'], metric: 'throughput' },
  { name: 'marian-q8, repeated phrases: p50 latency, cache on / off', top: ['marian-q8-cached', 'phrases'], bottom: ['marian-q8-continuous-phrases', 'phrases'], metric: 'p50' },
  { name: 'marian: throughput, q8 / fp32 (continuous)', top: ['marian-q8-continuous', 'flores'], bottom: ['marian-fp32-continuous', 'flores'], metric: 'throughput' },
  ...(['throughput', 'p95', 'start', 'memory'] as const).map((metric) => ({
    name: `marian-q8 continuous: ${label(metric)}, process / thread isolation`,
    top: ['marian-q8-process', 'flores'] as Side,
    bottom: ['marian-q8-continuous', 'flores'] as Side,
    metric,
  })),
  ...(['marian', 'nllb'] as const).flatMap((model) => [
    gpuOverCpu(model, 'fp16', 'q8', 'continuous'),
    gpuOverCpu(model, 'fp32', 'fp32', 'continuous'),
    gpuOverCpu(model, 'fp16', 'q8', 'batch1'),
  ]),
];

function metric(row: ResultRow | undefined, which: Metric): number | undefined {
  if (which === 'memory') return row?.memoryMiB ?? undefined;
  if (which === 'start') return row?.serverStartSeconds ?? undefined;
  if (which === 'cpu') return row?.cpuSecondsPerSegment ?? undefined;
  const m = row?.measurement;
  if (!m) return undefined;
  if (which === 'throughput') return m.segmentsPerSecond;
  if (which === 'tokens') return m.tokensPerSecond;
  return m.latencyMs[which];
}

export function ratios(rows: readonly ResultRow[], which: readonly Ratio[] = RATIOS): RatioRow[] {
  const find = ([scenario, workload]: Side) => rows.find((row) => row.scenario === scenario && row.workload === workload);
  return which.map(({ name, top, bottom, metric: which, bottomMetric }) => {
    const a = metric(find(top), which);
    const b = metric(find(bottom), bottomMetric ?? which);
    return { name, value: a !== undefined && b ? a / b : null };
  });
}

const fixed = (value: number | null | undefined, digits: number) => (value == null ? '—' : value.toFixed(digits));
const table = (header: string[], body: string[][]) => [header, header.map(() => '---'), ...body].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
const statuses = (m: Measurement) => Object.entries(m.statuses).map(([status, count]) => `${count}× ${status === '0' ? 'no answer' : status}`).join(', ');

export function markdownTables(rows: readonly ResultRow[], ratioRows: readonly RatioRow[]): string {
  const header = ['Scenario', 'Configured', 'Ran on', 'Workload', 'Requests', 'Answers', 'Segments/s', 'Tokens/s', 'p50 ms', 'p95 ms', 'p99 ms', 'First answer ms', 'Cache hit rate', 'Server start s', 'Memory MiB', 'CPU s / segment', 'Background CPU'];
  const body = rows.map((row) => {
    const m = row.measurement;
    const ranOn = row.provider ? `${row.provider} ${row.precision}` : '—';
    const start = [row.scenario, row.description, ranOn, row.workload];
    const load = row.backgroundCpuShare === null ? '—' : percent(row.backgroundCpuShare);
    if (!m) return [...start, `failed: ${(row.error ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ')}`, '', '', '', '', '', '', '', '', fixed(row.serverStartSeconds, 1), fixed(row.memoryMiB, 0), '—', load];
    const hitRate = row.cache ? `${(row.cache.hitRate * 100).toFixed(0)}% (${row.cache.deduplicated} shared in flight)` : '—';
    return [...start, String(m.requests), statuses(m), fixed(m.segmentsPerSecond, 2), fixed(m.tokensPerSecond, 1), String(m.latencyMs.p50), String(m.latencyMs.p95), String(m.latencyMs.p99), String(m.firstAnswerMs), hitRate, fixed(row.serverStartSeconds, 1), fixed(row.memoryMiB, 0), fixed(row.cpuSecondsPerSegment, 2), load];
  });
  const shown = ratioRows.filter((ratio) => ratio.value !== null);
  const ratioTable = shown.length ? `\n\n${table(['Ratio', 'Value'], shown.map((ratio) => [ratio.name, `${fixed(ratio.value, 2)}×`]))}` : '';
  return `${table(header, body)}${ratioTable}`;
}

/** What the report says of the whole run, above its tables. */
export interface RunSummary {
  startLoad: number;
  /** Other processes' share of the CPU time over all bursts; null when unknown. */
  backgroundShare: number | null;
  /** Empty when the run is valid. */
  invalidReasons: string[];
  forced: boolean;
  /** The options this run was given, as typed after `npm run bench:server --`. */
  args: string[];
}

export const OFFICIAL_COMMANDS =
  'Official figures: `npm run bench:server` on a quiet machine (NLLB-600M q8 too when its files are on disk; `-- --nllb on` generates them first, `-- --scenarios all` adds NLLB fp32); ' +
  'on a machine with an NVIDIA GPU, `npm run bench:server -- --providers cpu,cuda --nllb on` adds the same scenarios on CUDA and the GPU / CPU ratios.';

const shareOrUnknown = (share: number | null) => (share === null ? 'unknown' : percent(share));

export function markdownReport(host: HostInfo, run: RunSummary, settings: string, tables: string, notes: readonly string[]): string {
  const invalid = run.invalidReasons.length
    ? `**Invalid: ${run.invalidReasons.join('; ')}**${run.forced ? ' (measured with --force)' : ''}; do not compare these numbers.\n\n`
    : '';
  return `# Server translation benchmark

${OFFICIAL_COMMANDS} This run: \`npm run bench:server${run.args.length ? ` -- ${run.args.join(' ')}` : ''}\`.

${host.date} · ${host.cpuModel}, ${host.cores} cores, ${host.memoryGiB} GiB${host.gpu ? ` · GPU ${host.gpu}` : ''} · ${host.os} · Node ${host.node} · commit ${host.gitCommit.slice(0, 10)}${host.gitDirty ? ' (with uncommitted changes)' : ''} · 1-minute load average ${run.startLoad} at the start; other processes took ${shareOrUnknown(run.backgroundShare)} of the CPU time during the bursts

${invalid}${settings}

${tables}
${notes.map((note) => `\n- ${note}`).join('')}

- Each scenario is a fresh server process (\`tsx server/main.ts\`) with \`SOTTO_PROVIDERS\` set to its provider alone, so nothing falls back to another; random weights of the real architecture; **Ran on** is what \`/v1/models\` reported.
- **Validity**: a run is marked invalid when the 1-minute load average at the start exceeded the cores, when other processes took more than ${percent(MAX_BACKGROUND_SHARE)} of the machine's CPU time during the bursts, or with fewer than ${MIN_VALID_REPEATS} repeats. Other processes' time is the machine's busy time (\`/proc/stat\`, steal included) less the benchmark's own process tree's (\`/proc/<pid>/stat\` of itself, its servers and their inference processes); the load average at the end is not used, since the benchmark's own servers raise it. **Background CPU** is that share over the row's own bursts; **CPU s / segment** the benchmark's own tree's CPU time over them (the server taking its burst, its idle neighbours, the load client) per segment: a cost that others' load moves far less than segments/s.
- **Segments/s**: segments answered with a 200 ÷ the bursts' wall time (first request sent to last answer read), idle gaps left out. **p50/p95/p99**: per request, client side over loopback HTTP, nearest rank (with fewer than 100 requests p99 is the slowest).
- **Memory MiB**: resident memory after the load of the server process (worker threads included) and, under process isolation, of its inference processes.
- **Cache hit rate**: \`/v1/stats\` hits ÷ lookups over that workload; "shared in flight" counts segments that joined an identical segment's running computation (this happens with the cache off too).
- Random weights produce random-length outputs, so batches run as long as their longest output.
`;
}
