import { readModel } from '../bench-models.ts';
import { BenchRefusal, type ServerBenchOptions } from './options.ts';
import { MARIAN, NLLB, type WorkloadId } from './scenarios.ts';
import { documentsWorkload, floresWorkload, phrasesWorkload, type Workload } from './workloads.ts';

/** Segments one documents request holds at most (2 at least): what the app sends after a few sentences queued up. */
const DOCUMENT_SEGMENTS = 6;
/** Requests per phrases burst: enough repeats in flight for the cache and the in-flight sharing to show. */
const PHRASE_REQUESTS = 16;

export type WorkloadSet = ReadonlyMap<WorkloadId, Workload>;

/**
 * What each model's scenarios are sent: Marian (English → German only) the bursty single sentences, the
 * multi-segment requests and the repeated phrases; NLLB, ~10x slower, fewer and smaller bursts whose
 * requests take its target languages in turn.
 */
export function benchWorkloads(sentences: readonly string[], options: ServerBenchOptions): Map<string, WorkloadSet> {
  const unknown = options.nllbTargets.filter((code) => !readModel(NLLB).languages.includes(code));
  if (unknown.length > 0) throw new BenchRefusal(`--nllb-targets: ${NLLB} does not know ${unknown.join(', ')}`);
  const { bursts, arrivalMs } = options;
  const german = ['de'];
  return new Map([
    [
      MARIAN,
      new Map<WorkloadId, Workload>([
        ['flores', floresWorkload(sentences, { bursts, requests: options.burstSize, arrivalMs, targets: german })],
        ['documents', documentsWorkload(sentences, { bursts, requests: options.documents, arrivalMs, targets: german }, DOCUMENT_SEGMENTS)],
        ['phrases', phrasesWorkload({ bursts: bursts * 2, requests: PHRASE_REQUESTS, arrivalMs, targets: german })],
      ]),
    ],
    [NLLB, new Map<WorkloadId, Workload>([['flores', floresWorkload(sentences, { bursts: options.nllbBursts, requests: options.nllbBurstSize, arrivalMs, targets: options.nllbTargets })]])],
  ]);
}

/** The report's paragraph on what was sent and how it was measured. */
export function workloadsLine(sets: readonly (readonly [model: string, set: WorkloadSet])[], options: ServerBenchOptions, warmUpSegments: number): string {
  const described = sets.flatMap(([model, set]) => [...set.values()].map((workload) => `**${workload.id}** (${model.replace('sotto/', '')}): ${workload.description}.`));
  return [
    ...described,
    `The headline ratios (\`continuousOverBatch1\`, \`continuousOverDynamic\`) come from **flores**, the bursty traffic.`,
    `Every workload runs ${options.repeats} times; each figure is the median over the repeats.`,
    `The scenarios of one group (one model; NLLB's fp32 apart) run side by side (their servers up at once), taking bursts in turns with ${options.gapMs} ms idle before each, so that they share the background load.`,
    `Each server first translates one warm-up request of ${warmUpSegments} short segments.`,
  ].join(' ');
}
