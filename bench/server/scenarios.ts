import { parseTranslationSettings, type TranslationSettings } from '../../server/translation/settings.ts';

/** The server set-ups the benchmark compares: one server process each, started afresh. */

export const MARIAN = 'sotto/opus-mt-en-de-random';
export const NLLB = 'sotto/nllb-200-distilled-600M-random';

export type WorkloadId = 'flores' | 'phrases';

/**
 * batch1: transformers.js' pipeline, one segment per batch (SOTTO_DECODER=pipeline, SOTTO_BATCH_MAX_SIZE=1);
 * dynamic: the pipeline under the dynamic batcher (SOTTO_DECODER=pipeline), what the server did before the
 * own decode loop; continuous: the own loop with iteration-level batching (SOTTO_DECODER=continuous).
 */
export const BATCHINGS = ['batch1', 'dynamic', 'continuous'] as const;
export type Batching = (typeof BATCHINGS)[number];

export interface Scenario {
  id: string;
  model: string;
  precision: 'q8' | 'fp32';
  batching: Batching;
  cache: boolean;
  isolation: 'thread' | 'process';
  workloads: readonly WorkloadId[];
}

const marian = { model: MARIAN, precision: 'q8', batching: 'continuous', cache: false, isolation: 'thread' } as const;
const nllb = { ...marian, model: NLLB } as const;

/** The three batchings of one model and precision, on FLORES. */
const triple = (base: typeof marian | typeof nllb, prefix: string, precision: 'q8' | 'fp32') =>
  BATCHINGS.map((batching) => ({ ...base, id: `${prefix}-${precision}-${batching}`, precision, batching, workloads: ['flores'] as const }));

export const SCENARIOS = [
  // Cache off: FLORES sentences never repeat within a run, and the phrase workload measures the cache's absence.
  ...triple(marian, 'marian', 'q8'),
  ...triple(marian, 'marian', 'fp32'),
  { ...marian, id: 'marian-q8-continuous-phrases', workloads: ['phrases'] },
  { ...marian, id: 'marian-q8-cached', cache: true, workloads: ['phrases'] },
  { ...marian, id: 'marian-q8-process', isolation: 'process', workloads: ['flores'] },
  ...triple(nllb, 'nllb', 'q8'),
  ...triple(nllb, 'nllb', 'fp32'),
] as const satisfies readonly Scenario[];

export const SCENARIO_IDS = SCENARIOS.map((scenario) => scenario.id);

export function scenarioEnv(scenario: Scenario): Record<string, string> {
  return {
    SOTTO_TRANSLATION_MODELS: scenario.model,
    SOTTO_TRANSLATION_PRECISION: scenario.precision,
    SOTTO_INFERENCE_ISOLATION: scenario.isolation,
    SOTTO_CACHE_SIZE: scenario.cache ? '10000' : '0',
    // Latency, not timeouts: an unbatched burst keeps its last request waiting for the whole burst.
    SOTTO_DEADLINE_MS: '600000',
    SOTTO_DECODER: scenario.batching === 'continuous' ? 'continuous' : 'pipeline',
    ...(scenario.batching === 'batch1' && { SOTTO_BATCH_MAX_SIZE: '1' }),
  };
}

/** The settings the server will run the scenario with on this machine (workers, threads, batching), for the record. */
export function effectiveSettings(scenario: Scenario): TranslationSettings {
  const parsed = parseTranslationSettings({ ...process.env, ...scenarioEnv(scenario), SOTTO_PROVIDERS: 'cpu' });
  if (!parsed.ok) throw new Error(`Scenario ${scenario.id}: ${parsed.problems.join('; ')}`);
  return parsed.settings;
}

export function describeScenario(scenario: Scenario, settings: TranslationSettings): string {
  const { batching: policy, decoding } = settings;
  const batching = {
    batch1: 'pipeline, batch size 1',
    dynamic: `pipeline, dynamic batches ≤${policy.maxBatchSize}, ${policy.maxQueueDelayMs} ms`,
    continuous: `continuous ≤${decoding.maxSequences} sequences, ${decoding.tokenBudget} tokens`,
  }[scenario.batching];
  const cache = scenario.cache ? `cache ${settings.cacheSize}` : 'no cache';
  return `${scenario.model.replace('sotto/', '')} ${scenario.precision}, ${batching}, ${cache}, ${settings.workers} ${scenario.isolation} worker(s) × ${settings.threads.intraOpNumThreads} threads`;
}
