import { createApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { TranslationEngine, type EngineSettings } from '../server/translation/engine.ts';
import type { TranslationService } from '../server/translation/service.ts';
import { catalogModel, FakeBackend, fakeTranslationService } from './translation-doubles.ts';
import type { Pricing } from '../server/ops/cost.ts';
import { Metrics } from '../server/ops/metrics.ts';
import { createOperations } from '../server/ops/operations.ts';
import type { LogRecord } from '../server/ops/request-log.ts';

/** The app with its operations, for the ops tests: logs are collected, the clock is fixed. */

const limits = { maxSegments: 8, maxSegmentChars: 200, maxBodyBytes: 10_000 };

export const marian = catalogModel('sotto/marian');

const engineSettings: EngineSettings = {
  models: ['sotto/marian'],
  batching: { maxBatchSize: 8, preferredBatchSizes: [], maxTokens: 4096, maxQueueDelayMs: 1 },
  modelBatching: {},
  queueSize: 10,
  deadlineMs: 5000,
  cacheSize: 100,
  memoryBudgetBytes: 1000,
};

export interface OpsAppOptions {
  service?: TranslationService;
  requiredModels?: string[];
  pricing?: Pricing;
  metrics?: Metrics;
  env?: Record<string, string>;
}

export function opsApp(options: OpsAppOptions = {}) {
  const service = options.service ?? fakeTranslationService();
  const logs: LogRecord[] = [];
  const ops = createOperations({
    service,
    requiredModels: options.requiredModels,
    pricing: options.pricing,
    metrics: options.metrics,
    log: (record) => logs.push(record),
    now: () => 4321,
  });
  const app = createApp(loadConfig(options.env ?? {}), { service, limits }, ops);
  return { app, ops, logs, service };
}

/** The real engine over a fake backend, reporting to `metrics`, with sotto/marian (en → de) to load. */
export function fakeEngine(metrics: Metrics, backend = new FakeBackend()) {
  const engine = new TranslationEngine({
    catalog: { models: [marian], defaultModel: 'sotto/marian' },
    backend,
    settings: engineSettings,
    observer: metrics.engine,
    log: () => {},
  });
  return { engine, backend };
}

export const translateRequest = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
