import { z } from 'zod';
import { PRECISIONS, type Precision } from '../../contract/manifest-schema.ts';
import { beams, defaultRequestLimits, maxBeams, type RequestLimits } from '../../contract/translation-api.ts';
import { readSettings, setting, thisMachine, type Machine, type SettingsResult } from '../settings/setting.ts';
import { commaList, modelId, wholeNumber } from '../settings/schemas.ts';
import type { BatchPolicy } from './batcher.ts';
import { defaultWorkerCount, PROVIDERS, threadsPerWorker, type Provider, type Threads } from './providers.ts';

export const ISOLATIONS = ['thread', 'process'] as const;
export const DECODERS = ['continuous', 'pipeline'] as const;

/** How workers decode: the own loop with iteration-level batching, or transformers.js' pipeline, one batch at a time. */
export interface DecodingSettings {
  mode: (typeof DECODERS)[number];
  /** Sequences one worker decodes at once (continuous). */
  maxSequences: number;
  /** Cached tokens over one worker's running sequences (continuous). */
  tokenBudget: number;
  /** Beam width of a request that names none (continuous; the pipeline searches greedily). */
  beams: number;
}

export interface TranslationSettings {
  /** Loaded at start and preferred in this order; empty: the manifest's default server translation model. */
  models: string[];
  providers: Provider[];
  /** Inference workers as threads, or as child processes that survive native crashes and kills. */
  isolation: (typeof ISOLATIONS)[number];
  precision: Precision | 'auto';
  workers: number;
  threads: Threads;
  batching: BatchPolicy;
  /** Per-model overrides of `batching`, by model id. */
  modelBatching: Record<string, Partial<BatchPolicy>>;
  /** Segments that may wait for a worker. */
  queueSize: number;
  deadlineMs: number;
  /** Translations kept, in segments. */
  cacheSize: number;
  memoryBudgetBytes: number;
  limits: RequestLimits;
  decoding: DecodingSettings;
}

const policyOverride = z
  .object({
    maxBatchSize: z.number().int().min(1),
    preferredBatchSizes: z.array(z.number().int().min(1)),
    maxTokens: z.number().int().min(1),
    maxQueueDelayMs: z.number().int().min(0),
  })
  .partial()
  .strict();

const json = z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be JSON' });
    return z.NEVER;
  }
});

export const translationSettings = {
  models: setting({
    env: 'SOTTO_TRANSLATION_MODELS',
    default: '',
    shownDefault: "none (the manifest's default server translation model)",
    schema: z.string().transform(commaList).pipe(z.array(modelId)),
    doc: 'translation models the server loads at start, comma-separated manifest ids, preferred in this order',
  }),
  providers: setting({
    env: 'SOTTO_PROVIDERS',
    default: PROVIDERS.join(','),
    schema: z
      .string()
      .transform(commaList)
      .pipe(z.array(z.enum(PROVIDERS, `must list providers from ${PROVIDERS.join(', ')}`)).min(1, 'must name at least one provider')),
    doc: 'ONNX Runtime execution providers to try, in order of preference; a model runs on the first that can open it',
  }),
  isolation: setting({
    env: 'SOTTO_INFERENCE_ISOLATION',
    // A native crash in ONNX Runtime then costs one worker's batch, retried, instead of the server and every
    // request in flight; measured cost (bench:server, marian q8): about +1-2.5 s to start and +50 MiB per worker.
    default: 'process',
    schema: z.enum(ISOLATIONS, `must be ${ISOLATIONS.join(' or ')}`),
    doc: '`process`: each inference worker is a child process, which a native crash or a kill costs its batch only (retried once); `thread`: worker threads in the server process',
  }),
  precision: setting({
    env: 'SOTTO_TRANSLATION_PRECISION',
    default: 'auto',
    schema: z.enum(['auto', ...PRECISIONS], `must be auto or one of ${PRECISIONS.join(', ')}`),
    doc: `weights variant the server loads, one of ${PRECISIONS.map((p) => `\`${p}\``).join(', ')}; \`auto\`: fp16 on a GPU and q8 on the CPU, among the variants the model has`,
  }),
  workers: setting({
    env: 'SOTTO_TRANSLATION_WORKERS',
    default: (machine: Machine) => String(defaultWorkerCount(machine.cores)),
    shownDefault: 'one per four cores, 1 to 4',
    schema: wholeNumber(1),
    doc: 'inference workers, each with its own copy of the loaded models',
  }),
  intraOpThreads: setting({
    env: 'SOTTO_ORT_INTRA_OP_THREADS',
    default: '',
    shownDefault: 'the cores divided among the workers',
    schema: z.union([z.literal(''), wholeNumber(1)]),
    doc: "ONNX Runtime's intra-op threads per worker",
  }),
  maxBatchSize: setting({
    env: 'SOTTO_BATCH_MAX_SIZE',
    default: '16',
    schema: wholeNumber(1),
    doc: 'segments one inference batch holds at most (`1`: no batching)',
  }),
  preferredBatchSizes: setting({
    env: 'SOTTO_BATCH_PREFERRED_SIZES',
    default: '',
    schema: z.string().transform(commaList).pipe(z.array(wholeNumber(1))),
    doc: 'comma-separated batch sizes sent as soon as that many segments wait, without waiting out the delay; at most `SOTTO_BATCH_MAX_SIZE`',
  }),
  maxBatchTokens: setting({
    env: 'SOTTO_BATCH_MAX_TOKENS',
    default: '4096',
    schema: wholeNumber(1),
    doc: "padded tokens per batch (segments × the longest segment's tokens); a longer segment still goes, alone",
  }),
  maxQueueDelayMs: setting({
    env: 'SOTTO_BATCH_MAX_DELAY_MS',
    // The continuous decoder batches between decoder steps: segments gain nothing by waiting for company.
    default: '',
    shownDefault: '`0` with `SOTTO_DECODER=continuous`, `10` with `pipeline`',
    schema: z.union([z.literal(''), wholeNumber(0)]),
    doc: 'how long the oldest waiting segment may wait for company before its batch goes out anyway',
  }),
  modelBatching: setting({
    env: 'SOTTO_BATCHING',
    default: '{}',
    schema: json.pipe(z.record(modelId, policyOverride, 'must map model ids to batching settings')),
    doc: 'per-model overrides of the batching settings, JSON: `{"owner/name": {"maxBatchSize"?, "preferredBatchSizes"?, "maxTokens"?, "maxQueueDelayMs"?}}`',
  }),
  queueSize: setting({
    env: 'SOTTO_QUEUE_SIZE',
    default: '1024',
    schema: wholeNumber(1),
    doc: 'segments that may wait for a worker; past it requests get 429, and `/readyz` answers 503 while the queue is 90% full',
  }),
  deadlineMs: setting({
    env: 'SOTTO_DEADLINE_MS',
    default: '30000',
    schema: wholeNumber(1),
    doc: "the longest a translation request may take (then 504); a request's own deadline may only be shorter",
  }),
  cacheSize: setting({
    env: 'SOTTO_CACHE_SIZE',
    default: '10000',
    schema: wholeNumber(0),
    doc: 'translations kept in memory, in segments (`0`: no cache)',
  }),
  memoryBudgetMb: setting({
    env: 'SOTTO_TRANSLATION_MEMORY_MB',
    // Half the machine's memory for model weights across all workers.
    default: (machine: Machine) => String(Math.floor(machine.memoryBytes / 2 ** 21)),
    shownDefault: "half the machine's memory",
    schema: wholeNumber(1),
    doc: 'MiB of model weights loaded at once, across all workers; past it the least recently used model is unloaded',
  }),
  maxSegments: setting({
    env: 'SOTTO_MAX_SEGMENTS',
    default: String(defaultRequestLimits.maxSegments),
    schema: wholeNumber(1),
    doc: 'segments one `/v1/translate` request may hold (published in `/v1/models`); at most `SOTTO_QUEUE_SIZE`',
  }),
  maxSegmentChars: setting({
    env: 'SOTTO_MAX_SEGMENT_CHARS',
    default: String(defaultRequestLimits.maxSegmentChars),
    schema: wholeNumber(1),
    doc: 'characters one segment may hold (published in `/v1/models`)',
  }),
  maxBodyBytes: setting({
    env: 'SOTTO_MAX_BODY_BYTES',
    default: String(defaultRequestLimits.maxBodyBytes),
    schema: wholeNumber(1),
    doc: 'bytes a request body may hold (then 413, at once for `Expect: 100-continue`)',
  }),
  decoder: setting({
    env: 'SOTTO_DECODER',
    default: 'continuous',
    schema: z.enum(DECODERS, `must be ${DECODERS.join(' or ')}`),
    doc: "`pipeline`: transformers.js' translation pipeline, one dynamic batch per worker at a time; `continuous`: the server's own decode loop, where segments join and leave a running decode between decoder steps",
  }),
  decodeMaxSequences: setting({
    env: 'SOTTO_DECODE_MAX_SEQUENCES',
    default: '64',
    schema: wholeNumber(1),
    doc: 'segments one worker decodes at once (continuous)',
  }),
  decodeTokenBudget: setting({
    env: 'SOTTO_DECODE_TOKEN_BUDGET',
    default: '16384',
    schema: wholeNumber(1),
    doc: "cached tokens (the sum of the running segments' lengths) one worker's decode holds at most; newcomers wait below it (continuous)",
  }),
  decodeBeams: setting({
    env: 'SOTTO_DECODE_BEAMS',
    default: '1',
    schema: wholeNumber(1).pipe(beams),
    doc: `beam width of a translation whose request names none, 1 (greedy, as the pipeline decodes) to ${maxBeams}; each beam counts as a segment of \`SOTTO_DECODE_MAX_SEQUENCES\` and of the token budget. Needs \`SOTTO_DECODER=continuous\`; a request's \`beams\` (\`/v1\`) or \`alternatives\` (LibreTranslate, width alternatives + 1) widens it, up to ${maxBeams}`,
  }),
};

/** Reads the translation variables (empty ones count as unset); `problems` has one `NAME="value": message` line each. */
export function parseTranslationSettings(env: Record<string, string | undefined>, machine: Machine = thisMachine()): SettingsResult<TranslationSettings> {
  const reading = readSettings(translationSettings, env, machine);
  const { maxSegments, queueSize, preferredBatchSizes, maxBatchSize, decodeBeams, decoder } = reading.values;
  if (maxSegments !== undefined && queueSize !== undefined && maxSegments > queueSize) {
    reading.report('maxSegments', `must not exceed ${translationSettings.queueSize.env} (${queueSize})`);
  }
  if (preferredBatchSizes !== undefined && maxBatchSize !== undefined && preferredBatchSizes.some((size) => size > maxBatchSize)) {
    reading.report('preferredBatchSizes', `must not exceed ${translationSettings.maxBatchSize.env} (${maxBatchSize})`);
  }
  if (decodeBeams !== undefined && decodeBeams > 1 && decoder === 'pipeline') {
    reading.report('decodeBeams', `needs ${translationSettings.decoder.env}=continuous (the pipeline decoder searches greedily)`);
  }
  return reading.result((value) => {
    const threads = threadsPerWorker(machine.cores, value.workers);
    return {
      models: value.models,
      providers: value.providers,
      isolation: value.isolation,
      precision: value.precision,
      workers: value.workers,
      threads: value.intraOpThreads === '' ? threads : { ...threads, intraOpNumThreads: value.intraOpThreads },
      batching: {
        maxBatchSize: value.maxBatchSize,
        preferredBatchSizes: value.preferredBatchSizes,
        maxTokens: value.maxBatchTokens,
        maxQueueDelayMs: value.maxQueueDelayMs === '' ? (value.decoder === 'continuous' ? 0 : 10) : value.maxQueueDelayMs,
      },
      modelBatching: value.modelBatching,
      queueSize: value.queueSize,
      deadlineMs: value.deadlineMs,
      cacheSize: value.cacheSize,
      memoryBudgetBytes: value.memoryBudgetMb * 2 ** 20,
      limits: { maxSegments: value.maxSegments, maxSegmentChars: value.maxSegmentChars, maxBodyBytes: value.maxBodyBytes },
      decoding: { mode: value.decoder, maxSequences: value.decodeMaxSequences, tokenBudget: value.decodeTokenBudget, beams: value.decodeBeams },
    };
  });
}
