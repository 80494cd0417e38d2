import { parseTranslationSettings, type TranslationSettings } from '../../server/translation/settings.ts';

/** The server set-ups the benchmark compares: one server process each, started afresh. */

export const MARIAN = 'sotto/opus-mt-en-de-random';
export const NLLB = 'sotto/nllb-200-distilled-600M-random';

export type WorkloadId = 'flores' | 'documents' | 'phrases';

/** ONNX Runtime execution providers the benchmark runs scenarios on; each server gets just its own, so none falls back. */
export const BENCH_PROVIDERS = ['cpu', 'cuda'] as const;
export type BenchProvider = (typeof BENCH_PROVIDERS)[number];

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
  provider: BenchProvider;
  precision: 'q8' | 'fp16' | 'fp32';
  batching: Batching;
  cache: boolean;
  isolation: 'thread' | 'process';
  workloads: readonly WorkloadId[];
}

const marian = { model: MARIAN, provider: 'cpu', precision: 'q8', batching: 'continuous', cache: false, isolation: 'thread' } as const;
const nllb = { ...marian, model: NLLB } as const;

/**
 * The three batchings of one model and precision. Marian at its provider's default precision (q8 on the
 * CPU, fp16 on a GPU) also takes the multi-segment requests; NLLB, ~10x slower, only the single-sentence
 * bursts, whose requests ask for several target languages in turn (one decode can hold them all).
 */
function triple(base: typeof marian | typeof nllb, provider: BenchProvider, precision: Scenario['precision']): Scenario[] {
  const name = `${provider === 'cpu' ? '' : `${provider}-`}${base.model === NLLB ? 'nllb' : 'marian'}-${precision}`;
  const workloads = precision === 'fp32' || base.model === NLLB ? (['flores'] as const) : (['flores', 'documents'] as const);
  return BATCHINGS.map((batching) => ({ ...base, id: `${name}-${batching}`, provider, precision, batching, workloads }));
}

export const SCENARIOS: readonly Scenario[] = [
  // Cache off: FLORES sentences never repeat within a run, and the phrase workload measures the cache's absence.
  ...triple(marian, 'cpu', 'q8'),
  ...triple(marian, 'cpu', 'fp32'),
  { ...marian, id: 'marian-q8-continuous-phrases', workloads: ['phrases'] },
  { ...marian, id: 'marian-q8-cached', cache: true, workloads: ['phrases'] },
  { ...marian, id: 'marian-q8-process', isolation: 'process', workloads: ['flores'] },
  ...triple(nllb, 'cpu', 'q8'),
  ...triple(nllb, 'cpu', 'fp32'),
  ...triple(marian, 'cuda', 'fp16'),
  ...triple(marian, 'cuda', 'fp32'),
  ...triple(nllb, 'cuda', 'fp16'),
  ...triple(nllb, 'cuda', 'fp32'),
];

export const SCENARIO_IDS = SCENARIOS.map((scenario) => scenario.id);

/**
 * What a plain run measures (on the providers asked for): everything but NLLB-600M fp32 on the CPU, whose
 * servers take about 4 GB each and whose bursts would take a default run well past ten minutes.
 */
export const DEFAULT_SCENARIO_IDS = SCENARIOS.filter((s) => !(s.provider === 'cpu' && s.model === NLLB && s.precision === 'fp32')).map((s) => s.id);

export function scenarioEnv(scenario: Scenario): Record<string, string> {
  return {
    SOTTO_TRANSLATION_MODELS: scenario.model,
    SOTTO_PROVIDERS: scenario.provider,
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
  const parsed = parseTranslationSettings({ ...process.env, ...scenarioEnv(scenario) });
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
  return `${scenario.model.replace('sotto/', '')} ${scenario.precision} on ${scenario.provider}, ${batching}, ${cache}, ${settings.workers} ${scenario.isolation} worker(s) × ${settings.threads.intraOpNumThreads} threads`;
}
