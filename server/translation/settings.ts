import os from 'node:os';
import { z } from 'zod';
import { PRECISIONS, type Precision } from '../../models/manifest-schema.ts';
import { defaultRequestLimits, type RequestLimits } from '../../contract/translation-api.ts';
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

const translationEnvNames = {
  models: 'SOTTO_TRANSLATION_MODELS',
  providers: 'SOTTO_PROVIDERS',
  isolation: 'SOTTO_INFERENCE_ISOLATION',
  precision: 'SOTTO_TRANSLATION_PRECISION',
  workers: 'SOTTO_TRANSLATION_WORKERS',
  intraOpThreads: 'SOTTO_ORT_INTRA_OP_THREADS',
  maxBatchSize: 'SOTTO_BATCH_MAX_SIZE',
  preferredBatchSizes: 'SOTTO_BATCH_PREFERRED_SIZES',
  maxBatchTokens: 'SOTTO_BATCH_MAX_TOKENS',
  maxQueueDelayMs: 'SOTTO_BATCH_MAX_DELAY_MS',
  modelBatching: 'SOTTO_BATCHING',
  queueSize: 'SOTTO_QUEUE_SIZE',
  deadlineMs: 'SOTTO_DEADLINE_MS',
  cacheSize: 'SOTTO_CACHE_SIZE',
  memoryBudgetMb: 'SOTTO_TRANSLATION_MEMORY_MB',
  maxSegments: 'SOTTO_MAX_SEGMENTS',
  maxSegmentChars: 'SOTTO_MAX_SEGMENT_CHARS',
  maxBodyBytes: 'SOTTO_MAX_BODY_BYTES',
  decoder: 'SOTTO_DECODER',
  decodeMaxSequences: 'SOTTO_DECODE_MAX_SEQUENCES',
  decodeTokenBudget: 'SOTTO_DECODE_TOKEN_BUDGET',
} as const;

type Key = keyof typeof translationEnvNames;

export interface Machine {
  cores: number;
  memoryBytes: number;
}

const thisMachine = (): Machine => ({ cores: os.availableParallelism(), memoryBytes: os.totalmem() });

/** The defaults, as the strings an environment variable would hold; some follow the machine. */
function translationDefaults(machine: Machine): Record<Key, string> {
  return {
    models: '',
    providers: PROVIDERS.join(','),
    // A native crash in ONNX Runtime then costs one worker's batch, retried, instead of the server and every
    // request in flight; measured cost (bench:server, marian q8): about +1-2.5 s to start and +50 MiB per worker.
    isolation: 'process',
    precision: 'auto',
    workers: String(defaultWorkerCount(machine.cores)),
    intraOpThreads: '',
    maxBatchSize: '16',
    preferredBatchSizes: '',
    maxBatchTokens: '4096',
    // The continuous decoder batches between decoder steps: segments gain nothing by waiting for company.
    maxQueueDelayMs: '',
    modelBatching: '{}',
    queueSize: '1024',
    deadlineMs: '30000',
    cacheSize: '10000',
    // Half the machine's memory for model weights across all workers.
    memoryBudgetMb: String(Math.floor(machine.memoryBytes / 2 ** 21)),
    maxSegments: String(defaultRequestLimits.maxSegments),
    maxSegmentChars: String(defaultRequestLimits.maxSegmentChars),
    maxBodyBytes: String(defaultRequestLimits.maxBodyBytes),
    decoder: 'continuous',
    decodeMaxSequences: '64',
    decodeTokenBudget: '16384',
  };
}

export const wholeNumber = (min: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(Number.MAX_SAFE_INTEGER, 'is too large'));
const list = (text: string) => text.split(',').map((item) => item.trim()).filter((item) => item !== '');
const modelId = z.string().regex(/^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/, 'must look like "owner/name"');

const policyOverride = z
  .object({
    maxBatchSize: z.number().int().min(1),
    preferredBatchSizes: z.array(z.number().int().min(1)),
    maxTokens: z.number().int().min(1),
    maxQueueDelayMs: z.number().int().min(0),
  })
  .partial()
  .strict();

const fields = {
  models: z.string().transform(list).pipe(z.array(modelId)),
  providers: z
    .string()
    .transform(list)
    .pipe(z.array(z.enum(PROVIDERS, `must list providers from ${PROVIDERS.join(', ')}`)).min(1, 'must name at least one provider')),
  isolation: z.enum(ISOLATIONS, `must be ${ISOLATIONS.join(' or ')}`),
  precision: z.enum(['auto', ...PRECISIONS], `must be auto or one of ${PRECISIONS.join(', ')}`),
  workers: wholeNumber(1),
  intraOpThreads: z.union([z.literal(''), wholeNumber(1)]),
  maxBatchSize: wholeNumber(1),
  preferredBatchSizes: z.string().transform(list).pipe(z.array(wholeNumber(1))),
  maxBatchTokens: wholeNumber(1),
  maxQueueDelayMs: z.union([z.literal(''), wholeNumber(0)]),
  modelBatching: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(z.record(modelId, policyOverride, 'must map model ids to batching settings')),
  queueSize: wholeNumber(1),
  deadlineMs: wholeNumber(1),
  cacheSize: wholeNumber(0),
  memoryBudgetMb: wholeNumber(1),
  maxSegments: wholeNumber(1),
  maxSegmentChars: wholeNumber(1),
  maxBodyBytes: wholeNumber(1),
  decoder: z.enum(DECODERS, `must be ${DECODERS.join(' or ')}`),
  decodeMaxSequences: wholeNumber(1),
  decodeTokenBudget: wholeNumber(1),
};

const schema = z.object(fields).superRefine((value, ctx) => {
  if (value.maxSegments > value.queueSize) {
    ctx.addIssue({ code: 'custom', message: `must not exceed ${translationEnvNames.queueSize} (${value.queueSize})`, path: ['maxSegments'] });
  }
  if (value.preferredBatchSizes.some((size) => size > value.maxBatchSize)) {
    ctx.addIssue({ code: 'custom', message: `must not exceed ${translationEnvNames.maxBatchSize} (${value.maxBatchSize})`, path: ['preferredBatchSizes'] });
  }
});

export type ParsedSettings = { ok: true; settings: TranslationSettings } | { ok: false; problems: string[] };

/** Reads the translation variables (empty ones count as unset); `problems` has one `NAME="value": message` line each. */
export function parseTranslationSettings(env: Record<string, string | undefined>, machine: Machine = thisMachine()): ParsedSettings {
  const defaults = translationDefaults(machine);
  const input = Object.fromEntries(
    Object.entries(translationEnvNames).map(([key, name]) => [key, env[name] || defaults[key as Key]]),
  ) as Record<Key, string>;
  const result = schema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path[0] as Key;
      return `  ${translationEnvNames[key]}=${JSON.stringify(input[key])}: ${issue.message}`;
    });
    return { ok: false, problems };
  }
  const value = result.data;
  const threads = threadsPerWorker(machine.cores, value.workers);
  return {
    ok: true,
    settings: {
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
      decoding: { mode: value.decoder, maxSequences: value.decodeMaxSequences, tokenBudget: value.decodeTokenBudget },
    },
  };
}
