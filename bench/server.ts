import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { floresPresent, readFlores } from '../testing/load/translation-server.ts';
import { repoRoot } from '../server/config.ts';
import { BackgroundMeter } from './server/background-load.ts';
import { checkCuda } from './server/cuda-check.ts';
import { hostInfo, loadAverage } from './server/host-info.ts';
import { BenchRefusal, parseServerBenchOptions, usage } from './server/options.ts';
import { planScenarios } from './server/plan.ts';
import { HEADLINE_RATIOS, markdownReport, markdownTables, ratios, type ResultRow } from './server/report.ts';
import { runRounds, type RoundPlan, type Track } from './server/rounds.ts';
import { startScenario, type ScenarioServer } from './server/scenario-server.ts';
import { describeScenario, effectiveSettings, NLLB, type Scenario } from './server/scenarios.ts';
import { tokenCounter } from './server/token-counter.ts';
import { busyAtStart, invalidReasons } from './server/validity.ts';
import { benchWorkloads, workloadsLine } from './server/workload-sets.ts';
import type { Workload } from './server/workloads.ts';

/**
 * `npm run bench:server`: the real translation server under bursty load, one server process per scenario:
 * continuous batching against today's dynamic batching and batch size 1, cache on against off, q8 against
 * fp32, thread against process workers, CPU against CUDA. Refuses to run when the machine is busy at the
 * start (load average above its cores) unless --force; marks the results invalid when other processes
 * took much CPU time meanwhile (bench/server/validity.ts). Writes bench/results/server.json and server.md.
 */

const resultsDir = join(repoRoot, 'bench', 'results');

function failedRows(scenario: Scenario, error: unknown): ResultRow[] {
  return scenario.workloads.map((workload) => ({
    scenario: scenario.id,
    description: describeScenario(scenario, effectiveSettings(scenario)),
    workload,
    provider: null,
    precision: null,
    serverStartSeconds: null,
    memoryMiB: null,
    backgroundCpuShare: null,
    error: error instanceof Error ? error.message.split('\n')[0]! : String(error),
  }));
}

/**
 * Runs a group of scenarios side by side: all their servers up at once, bursts taken in turns, so that the
 * comparisons within the group share the machine's background load.
 */
async function runGroup(scenarios: Scenario[], workloads: ReadonlyMap<Workload['id'], Workload>, warmUp: string[], plan: RoundPlan, background: BackgroundMeter): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  const running: ScenarioServer[] = [];
  try {
    for (const scenario of scenarios) {
      try {
        running.push(await startScenario(scenario, warmUp));
      } catch (err) {
        console.error(`[${scenario.id}] could not start: ${err instanceof Error ? err.message : err}`);
        rows.push(...failedRows(scenario, err));
      }
    }
    const countTokens = await tokenCounter(scenarios[0]!.model);
    const tracks: Track[] = running.flatMap((r) => r.scenario.workloads.map((id) => ({ running: r, workload: workloads.get(id)!, countTokens })));
    rows.push(...(await runRounds(tracks, plan, background)));
  } finally {
    await Promise.all(running.map((r) => r.server.stop()));
  }
  return rows;
}

/**
 * One model at a time keeps memory in bounds, and NLLB-600M's fp32 servers (about 4 GB each) go apart from
 * its q8 and fp16 ones; CPU and CUDA scenarios of one group share its rounds.
 */
const groupOf = (scenario: Scenario) => `${scenario.model}${scenario.model === NLLB && scenario.precision === 'fp32' ? ' fp32' : ''}`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const options = parseServerBenchOptions(args);
  if (options.help) return console.log(usage);
  if (!floresPresent()) throw new BenchRefusal('FLORES-200 is missing: expected ../shared/data/mt/flores200-devtest-first200.eng next to the repository.');

  // Bad workload options (an unknown NLLB target) are refused before any model is generated or server started.
  const workloads = benchWorkloads(readFlores(), options);
  const host = hostInfo();
  const startLoad = loadAverage();
  console.log(`Server benchmark on ${host.cpuModel}, ${host.cores} cores${host.gpu ? `, ${host.gpu}` : ''}; 1-minute load average ${startLoad}.`);
  const busy = busyAtStart(startLoad, host.cores);
  if (busy && !options.force) {
    console.error(`Not measuring: ${busy}, so other work would set the numbers. Wait for a quiet machine, or pass --force to measure anyway (results marked invalid).`);
    process.exitCode = 1;
    return;
  }
  const cuda = options.providers.includes('cuda') ? await checkCuda(host.gpu) : undefined;
  if (cuda?.available) console.log(`CUDA available on ${cuda.gpu}.`);
  const plan = planScenarios(options, cuda);
  plan.notes.forEach((note) => console.log(note));

  // A batch as large as a burst's (ONNX Runtime allocates for new shapes on first use), of texts the
  // workloads never send, so that the warm-up cannot feed the cache the bursts read from.
  const warmUp = Array.from({ length: Math.min(options.burstSize, 16) }, (_, i) => `This is warm-up sentence number ${i + 1}.`);

  const background = new BackgroundMeter();
  const rounds: RoundPlan = { gapMs: options.gapMs, repeats: options.repeats, cores: host.cores };
  const rows: ResultRow[] = [];
  for (const group of new Set(plan.scenarios.map(groupOf))) {
    const scenarios = plan.scenarios.filter((scenario) => groupOf(scenario) === group);
    rows.push(...(await runGroup(scenarios, workloads.get(scenarios[0]!.model)!, warmUp, rounds, background)));
  }
  const order = plan.scenarios.map((scenario) => scenario.id);
  rows.sort((a, b) => order.indexOf(a.scenario) - order.indexOf(b.scenario));

  const ratioRows = ratios(rows);
  const tables = markdownTables(rows, ratioRows);
  const backgroundShare = background.share();
  const reasons = invalidReasons({ startLoad, cores: host.cores, backgroundShare, repeats: options.repeats });
  const headline = Object.fromEntries(ratios(rows, Object.values(HEADLINE_RATIOS)).map((ratio, i) => [Object.keys(HEADLINE_RATIOS)[i]!, ratio.value]));
  const usedModels = new Set(plan.scenarios.map((scenario) => scenario.model));
  const settingsLine = workloadsLine([...workloads].filter(([model]) => usedModels.has(model)), options, warmUp.length);

  mkdirSync(resultsDir, { recursive: true });
  const json = {
    host,
    loadAverage: { start: startLoad },
    backgroundCpuShare: backgroundShare,
    invalid: reasons.length > 0,
    ...(reasons.length > 0 && { invalidReasons: reasons }),
    ...headline,
    headlineWorkload: 'flores',
    settings: { ...options, help: undefined, scenarios: plan.scenarios.map((scenario) => scenario.id) },
    ...(cuda && { cuda }),
    notes: plan.notes,
    results: rows,
    ratios: ratioRows,
  };
  writeFileSync(join(resultsDir, 'server.json'), `${JSON.stringify(json, null, 2)}\n`);
  const summary = { startLoad, backgroundShare, invalidReasons: reasons, forced: busy !== undefined, args };
  writeFileSync(join(resultsDir, 'server.md'), markdownReport(host, summary, settingsLine, tables, plan.notes));
  console.log(`\n${tables}\n\n${reasons.length ? `Invalid: ${reasons.join('; ')}.` : 'Valid run.'}\nWritten: bench/results/server.json, bench/results/server.md`);
  if (rows.some((row) => row.error)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof BenchRefusal ? error.message : error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
