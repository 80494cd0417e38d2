import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { floresPresent, readFlores } from '../testing/load/translation-server.ts';
import { repoRoot } from '../server/config.ts';
import { hostInfo, loadAverage } from './server/host-info.ts';
import { parseServerBenchOptions, usage } from './server/options.ts';
import { planScenarios } from './server/plan.ts';
import { HEADLINE_RATIOS, markdownReport, markdownTables, ratios, type ResultRow } from './server/report.ts';
import { runRounds, type Track } from './server/rounds.ts';
import { startScenario, type ScenarioServer } from './server/scenario-server.ts';
import { describeScenario, effectiveSettings, NLLB, type Scenario } from './server/scenarios.ts';
import { tokenCounter } from './server/token-counter.ts';
import { floresWorkload, phrasesWorkload, type Workload } from './server/workloads.ts';

/**
 * `npm run bench:server`: the real translation server under bursty load, one server process per scenario:
 * continuous batching against today's dynamic batching and batch size 1, cache on against off, q8 against
 * fp32, thread against process workers. Refuses to run when the machine is busy (load average above its
 * cores) unless --force, which marks the results invalid. Writes bench/results/server.json and server.md.
 */

const resultsDir = join(repoRoot, 'bench', 'results');

function failedRows(scenario: Scenario, error: unknown): ResultRow[] {
  const load = loadAverage();
  return scenario.workloads.map((workload) => ({
    scenario: scenario.id,
    description: describeScenario(scenario, effectiveSettings(scenario)),
    workload,
    provider: null,
    precision: null,
    serverStartSeconds: null,
    memoryMiB: null,
    loadAverage: { start: load, end: load },
    error: error instanceof Error ? error.message.split('\n')[0]! : String(error),
  }));
}

/**
 * Runs the scenarios of one model side by side: all their servers up at once, bursts taken in turns, so
 * that the comparisons within the model share the machine's background load. One model at a time keeps
 * memory in bounds (the 600M NLLB model takes about 2 GB per server).
 */
async function runModelGroup(scenarios: Scenario[], workloads: ReadonlyMap<Workload['id'], Workload>, warmUp: string[], gapMs: number, repeats: number): Promise<ResultRow[]> {
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
    rows.push(...(await runRounds(tracks, gapMs, repeats)));
  } finally {
    await Promise.all(running.map((r) => r.server.stop()));
  }
  return rows;
}

async function main(): Promise<void> {
  const options = parseServerBenchOptions(process.argv.slice(2));
  if (options.help) return console.log(usage);
  if (!floresPresent()) throw new Error('FLORES-200 is missing: expected ../shared/data/mt/flores200-devtest-first200.eng next to the repository.');

  const host = hostInfo();
  const startLoad = loadAverage();
  console.log(`Server benchmark on ${host.cpuModel}, ${host.cores} cores; 1-minute load average ${startLoad}.`);
  const busy = startLoad > host.cores ? `the 1-minute load average at the start (${startLoad}) exceeded the ${host.cores} cores` : undefined;
  if (busy && !options.force) {
    console.error(`Not measuring: ${busy}, so other work would set the numbers. Wait for a quiet machine, or pass --force to measure anyway (results marked invalid).`);
    process.exitCode = 1;
    return;
  }
  const plan = planScenarios(options);
  plan.notes.forEach((note) => console.log(note));

  const sentences = readFlores();
  const workloadsFor = (bursts: number) =>
    new Map<Workload['id'], Workload>([
      ['flores', floresWorkload(sentences, bursts, options.burstSize, options.arrivalMs)],
      // Phrases are short and cheap: twice the bursts, twice the requests, for a steadier hit rate.
      ['phrases', phrasesWorkload(bursts * 2, options.burstSize * 2, options.arrivalMs / 2)],
    ]);
  const workloads = workloadsFor(options.bursts);
  const nllbWorkloads = workloadsFor(options.nllbBursts);
  // A batch as large as a burst's (ONNX Runtime allocates for new shapes on first use), of texts the
  // workloads never send, so that the warm-up cannot feed the cache the bursts read from.
  const warmUp = Array.from({ length: Math.min(options.burstSize, 16) }, (_, i) => `This is warm-up sentence number ${i + 1}.`);

  const rows: ResultRow[] = [];
  for (const model of new Set(plan.scenarios.map((scenario) => scenario.model))) {
    const group = plan.scenarios.filter((scenario) => scenario.model === model);
    rows.push(...(await runModelGroup(group, model === NLLB ? nllbWorkloads : workloads, warmUp, options.gapMs, options.repeats)));
  }
  const order = plan.scenarios.map((scenario) => scenario.id);
  rows.sort((a, b) => order.indexOf(a.scenario) - order.indexOf(b.scenario));
  const endLoad = loadAverage();

  const ratioRows = ratios(rows);
  const tables = markdownTables(rows, ratioRows);
  const settings = {
    bursts: options.bursts,
    nllbBursts: options.nllbBursts,
    burstSize: options.burstSize,
    gapMs: options.gapMs,
    arrivalMs: options.arrivalMs,
    repeats: options.repeats,
    scenarios: plan.scenarios.map((scenario) => scenario.id),
  };
  const endBusy = endLoad > host.cores ? `the 1-minute load average at the end (${endLoad}) exceeded the ${host.cores} cores` : undefined;
  const invalidReason = [busy, endBusy].filter(Boolean).join('; ') || undefined;
  const headline = Object.fromEntries(ratios(rows, Object.values(HEADLINE_RATIOS)).map((ratio, i) => [Object.keys(HEADLINE_RATIOS)[i]!, ratio.value]));
  const settingsLine =
    `${invalidReason ? `**Invalid: ${invalidReason}**${busy ? ' (measured with --force)' : ''}; do not compare these numbers. ` : ''}` +
    `**flores**: ${options.bursts} bursts (NLLB: ${options.nllbBursts}) of ${options.burstSize} requests arriving as a Poisson process (mean gap ${options.arrivalMs} ms), one distinct FLORES-200 devtest sentence each (English → German), in file order (their real length mix). ` +
    `**phrases**: ${options.bursts * 2} bursts of ${options.burstSize * 2} requests (mean gap ${options.arrivalMs / 2} ms), one short conversational phrase each, drawn Zipf-like from 8 so that they repeat. ` +
    `Every workload runs ${options.repeats} times; each figure is the median over the repeats. ` +
    `The scenarios of one model run side by side (their servers up at once), taking bursts in turns with ${options.gapMs} ms idle before each, so that they share the background load. ` +
    `Each server first translates one warm-up request of ${warmUp.length} short segments.`;

  mkdirSync(resultsDir, { recursive: true });
  const json = {
    host,
    loadAverage: { start: startLoad, end: endLoad },
    invalid: invalidReason !== undefined,
    ...(invalidReason && { invalidReason }),
    ...headline,
    settings,
    notes: plan.notes,
    results: rows,
    ratios: ratioRows,
  };
  writeFileSync(join(resultsDir, 'server.json'), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(resultsDir, 'server.md'), markdownReport(host, { start: startLoad, end: endLoad }, settingsLine, tables, plan.notes));
  console.log(`\n${tables}\n\n1-minute load average: ${startLoad} at the start, ${endLoad} at the end.\nWritten: bench/results/server.json, bench/results/server.md`);
  if (rows.some((row) => row.error)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
