import { describe, expect, it } from 'vitest';
import { ConfigError, loadTranslationConfig } from '../config.ts';
import { parseTranslationSettings, type TranslationSettings } from './settings.ts';

const machine = { cores: 16, memoryBytes: 32 * 2 ** 30 };

function settings(env: Record<string, string>): TranslationSettings {
  const result = parseTranslationSettings(env, machine);
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.settings;
}

function problems(env: Record<string, string>): string[] {
  const result = parseTranslationSettings(env, machine);
  return result.ok ? [] : result.problems;
}

describe('parseTranslationSettings', () => {
  it('has defaults that follow the machine', () => {
    expect(settings({})).toEqual({
      models: [],
      providers: ['cuda', 'webgpu', 'cpu'],
      isolation: 'process',
      precision: 'auto',
      workers: 4,
      threads: { intraOpNumThreads: 4, interOpNumThreads: 1 },
      batching: { maxBatchSize: 16, preferredBatchSizes: [], maxTokens: 4096, maxQueueDelayMs: 0 },
      modelBatching: {},
      queueSize: 1024,
      deadlineMs: 30_000,
      cacheSize: 10_000,
      memoryBudgetBytes: 16 * 2 ** 30,
      limits: { maxSegments: 128, maxSegmentChars: 2000, maxBodyBytes: 2 ** 20 },
      decoding: { mode: 'continuous', maxSequences: 64, tokenBudget: 16_384, beams: 1 },
    });
    expect(settings({ SOTTO_DECODER: 'pipeline' })).toMatchObject({ batching: { maxQueueDelayMs: 10 } });
    expect(parseTranslationSettings({}, { cores: 2, memoryBytes: 2 ** 30 })).toMatchObject({
      settings: { workers: 1, threads: { intraOpNumThreads: 2 } },
    });
  });

  it('reads every variable', () => {
    expect(
      settings({
        SOTTO_TRANSLATION_MODELS: 'sotto/a, sotto/b',
        SOTTO_PROVIDERS: 'webgpu,cpu',
        SOTTO_INFERENCE_ISOLATION: 'thread',
        SOTTO_TRANSLATION_PRECISION: 'fp32',
        SOTTO_TRANSLATION_WORKERS: '2',
        SOTTO_ORT_INTRA_OP_THREADS: '3',
        SOTTO_BATCH_MAX_SIZE: '32',
        SOTTO_BATCH_PREFERRED_SIZES: '8,16',
        SOTTO_BATCH_MAX_TOKENS: '8192',
        SOTTO_BATCH_MAX_DELAY_MS: '0',
        SOTTO_BATCHING: '{"sotto/a":{"maxBatchSize":4}}',
        SOTTO_QUEUE_SIZE: '64',
        SOTTO_DEADLINE_MS: '5000',
        SOTTO_CACHE_SIZE: '0',
        SOTTO_TRANSLATION_MEMORY_MB: '512',
        SOTTO_MAX_SEGMENTS: '16',
        SOTTO_MAX_SEGMENT_CHARS: '500',
        SOTTO_MAX_BODY_BYTES: '65536',
        SOTTO_DECODER: 'continuous',
        SOTTO_DECODE_MAX_SEQUENCES: '8',
        SOTTO_DECODE_TOKEN_BUDGET: '2048',
        SOTTO_DECODE_BEAMS: '4',
      }),
    ).toEqual({
      models: ['sotto/a', 'sotto/b'],
      providers: ['webgpu', 'cpu'],
      isolation: 'thread',
      precision: 'fp32',
      workers: 2,
      threads: { intraOpNumThreads: 3, interOpNumThreads: 1 },
      batching: { maxBatchSize: 32, preferredBatchSizes: [8, 16], maxTokens: 8192, maxQueueDelayMs: 0 },
      modelBatching: { 'sotto/a': { maxBatchSize: 4 } },
      queueSize: 64,
      deadlineMs: 5000,
      cacheSize: 0,
      memoryBudgetBytes: 512 * 2 ** 20,
      limits: { maxSegments: 16, maxSegmentChars: 500, maxBodyBytes: 65536 },
      decoding: { mode: 'continuous', maxSequences: 8, tokenBudget: 2048, beams: 4 },
    });
  });

  it('treats empty variables as unset', () => {
    expect(settings({ SOTTO_PROVIDERS: '', SOTTO_QUEUE_SIZE: '' })).toMatchObject({ providers: ['cuda', 'webgpu', 'cpu'], queueSize: 1024 });
  });

  it.each([
    [{ SOTTO_PROVIDERS: 'tpu' }, 'SOTTO_PROVIDERS="tpu": must list providers from cuda, webgpu, cpu'],
    [{ SOTTO_PROVIDERS: ',' }, 'SOTTO_PROVIDERS=",": must name at least one provider'],
    [{ SOTTO_INFERENCE_ISOLATION: 'vm' }, 'SOTTO_INFERENCE_ISOLATION="vm": must be thread or process'],
    [{ SOTTO_TRANSLATION_PRECISION: 'int4' }, 'SOTTO_TRANSLATION_PRECISION="int4": must be auto or one of fp32, fp16, q8, q4'],
    [{ SOTTO_TRANSLATION_WORKERS: '0' }, 'SOTTO_TRANSLATION_WORKERS="0": must be at least 1'],
    [{ SOTTO_QUEUE_SIZE: '1.5' }, 'SOTTO_QUEUE_SIZE="1.5": must be a whole number'],
    [{ SOTTO_TRANSLATION_MODELS: 'nllb' }, 'SOTTO_TRANSLATION_MODELS="nllb": must look like "owner/name"'],
    [{ SOTTO_BATCHING: '{nope' }, 'SOTTO_BATCHING="{nope": must be JSON'],
    [{ SOTTO_BATCHING: '{"a/b":{"maxBatch":4}}' }, 'SOTTO_BATCHING='],
    [{ SOTTO_MAX_SEGMENTS: '100', SOTTO_QUEUE_SIZE: '10' }, 'SOTTO_MAX_SEGMENTS="100": must not exceed SOTTO_QUEUE_SIZE (10)'],
    [{ SOTTO_BATCH_PREFERRED_SIZES: '64' }, 'SOTTO_BATCH_PREFERRED_SIZES="64": must not exceed SOTTO_BATCH_MAX_SIZE (16)'],
    [{ SOTTO_DECODER: 'continuous', SOTTO_DECODE_BEAMS: '5' }, 'SOTTO_DECODE_BEAMS="5": must be at most 4'],
    [{ SOTTO_DECODER: 'pipeline', SOTTO_DECODE_BEAMS: '2' }, 'SOTTO_DECODE_BEAMS="2": needs SOTTO_DECODER=continuous (the pipeline decoder searches greedily)'],
  ])('rejects %o with a readable message', (env, message) => {
    expect(problems(env).join('\n')).toContain(message);
  });

  it('reports every bad variable at once', () => {
    expect(problems({ SOTTO_QUEUE_SIZE: 'x', SOTTO_DEADLINE_MS: 'y' })).toHaveLength(2);
  });
});

describe('loadTranslationConfig', () => {
  it('throws a ConfigError naming each bad variable, as loadConfig does', () => {
    expect(() => loadTranslationConfig({ SOTTO_QUEUE_SIZE: 'x' })).toThrow(ConfigError);
    expect(() => loadTranslationConfig({ SOTTO_QUEUE_SIZE: 'x' })).toThrow(/^Invalid configuration:\n {2}SOTTO_QUEUE_SIZE="x"/);
    expect(loadTranslationConfig({ SOTTO_DEADLINE_MS: '1000' }).deadlineMs).toBe(1000);
  });
});
