import { parseTranslationSettings, type TranslationSettings } from '../../server/translation/settings.ts';

/** The server set-ups the benchmark compares: one server process each, started afresh. */

export const MARIAN = 'sotto/opus-mt-en-de-random';
export const NLLB = 'sotto/nllb-200-distilled-600M-random';

export type WorkloadId = 'flores' | 'phrases';

export interface Scenario {
  id: string;
  model: string;
  precision: 'q8' | 'fp32';
  /** Dynamic batching with the server's defaults, or SOTTO_BATCH_MAX_SIZE=1. */
  batched: boolean;
  cache: boolean;
  isolation: 'thread' | 'process';
  workloads: readonly WorkloadId[];
}

const marian = { model: MARIAN, precision: 'q8', batched: true, cache: false, isolation: 'thread' } as const;
const nllb = { ...marian, model: NLLB } as const;

export const SCENARIOS = [
  // Cache off: FLORES sentences never repeat within a run, and the phrase workload measures the cache's absence.
  { ...marian, id: 'marian-q8-batched', workloads: ['flores', 'phrases'] },
  { ...marian, id: 'marian-q8-unbatched', batched: false, workloads: ['flores'] },
  { ...marian, id: 'marian-q8-cached', cache: true, workloads: ['phrases'] },
  { ...marian, id: 'marian-q8-process', isolation: 'process', workloads: ['flores'] },
  { ...marian, id: 'marian-fp32-batched', precision: 'fp32', workloads: ['flores'] },
  { ...marian, id: 'marian-fp32-unbatched', precision: 'fp32', batched: false, workloads: ['flores'] },
  { ...nllb, id: 'nllb-q8-batched', workloads: ['flores'] },
  { ...nllb, id: 'nllb-q8-unbatched', batched: false, workloads: ['flores'] },
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
    ...(scenario.batched ? {} : { SOTTO_BATCH_MAX_SIZE: '1' }),
  };
}

/** The settings the server will run the scenario with on this machine (workers, threads, batching), for the record. */
export function effectiveSettings(scenario: Scenario): TranslationSettings {
  const parsed = parseTranslationSettings({ ...process.env, ...scenarioEnv(scenario), SOTTO_PROVIDERS: 'cpu' });
  if (!parsed.ok) throw new Error(`Scenario ${scenario.id}: ${parsed.problems.join('; ')}`);
  return parsed.settings;
}

export function describeScenario(scenario: Scenario, settings: TranslationSettings): string {
  const batching = scenario.batched ? `batched ≤${settings.batching.maxBatchSize}, ${settings.batching.maxQueueDelayMs} ms` : 'batch size 1';
  const cache = scenario.cache ? `cache ${settings.cacheSize}` : 'no cache';
  return `${scenario.model.replace('sotto/', '')} ${scenario.precision}, ${batching}, ${cache}, ${settings.workers} ${scenario.isolation} worker(s) × ${settings.threads.intraOpNumThreads} threads`;
}
