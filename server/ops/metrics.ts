import type { Handler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { routePath } from 'hono/route';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { estimateTokens } from '../translation/batcher.ts';
import type { EngineObserver } from '../translation/engine.ts';
import type { EngineStats, TranslationService } from '../translation/service.ts';
import { apiKeyOf, type TranslationUsage } from './cost.ts';

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const batchSizeBuckets = [1, 2, 4, 8, 16, 32, 64, 128];
const charBuckets = [8, 16, 32, 64, 128, 256, 512, 1024, 2048];
const ratioBuckets = [0.25, 0.5, 0.75, 0.9, 1, 1.1, 1.25, 1.5, 2, 3, 4];
const byRoute = ['route', 'method', 'status'] as const;
const byModel = ['model', 'version'] as const;

let processRegistry: Registry | undefined;

// prom-client's sums of nodejs_active_{handles,requests,resources} by type are gauges named *_total, which
// Prometheus reserves for counters (promtool check metrics fails on them); the per-type gauges carry the same.
const misnamedDefaultGauges = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** Memory, heap, CPU and event loop belong to the process: collected once, however many apps a process builds (tests build many). */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
    for (const name of misnamedDefaultGauges) processRegistry.removeSingleMetric(name);
  }
  return processRegistry;
}

/** One answered HTTP request, as the metrics middleware saw it. */
export interface HttpExchange {
  /** The matched route pattern, never the raw path. */
  route: string;
  method: string;
  status: number;
  seconds: number;
  /** The API key id, or "anonymous". */
  key: string;
  usage?: TranslationUsage;
}

/**
 * Sotto's Prometheus metrics. The engine reports through `engine`, the HTTP layer through `exchange()`;
 * queue, cache and execution providers are read from the translation service at scrape time.
 */
export class Metrics {
  readonly #registry = new Registry();
  #service: TranslationService | undefined;

  readonly #requests = this.#counter('sotto_http_requests_total', 'HTTP requests answered.', [...byRoute, ...byModel]);
  readonly #duration = this.#histogram('sotto_http_request_duration_seconds', 'Time to answer an HTTP request.', byRoute, latencyBuckets);
  readonly #inflight = this.#gauge('sotto_inflight_requests', 'HTTP requests being answered.');
  readonly #queued = this.#histogram(
    'sotto_request_queued_seconds',
    'Per translation request: the longest any of its segments waited for a batch.',
    byModel,
    latencyBuckets,
  );
  readonly #compute = this.#histogram(
    'sotto_request_compute_seconds',
    'Per translation request: the longest batch its segments ran in.',
    byModel,
    latencyBuckets,
  );
  readonly #batchSize = this.#histogram('sotto_batch_size', 'Segments per inference batch.', byModel, batchSizeBuckets);
  readonly #batchSeconds = this.#histogram('sotto_batch_compute_seconds', 'Inference time per batch.', byModel, latencyBuckets);
  readonly #tokens = this.#counter(
    'sotto_tokens_total',
    'Subword tokens translated, by kind (input or output); estimated as one per 4 characters, plus one.',
    [...byModel, 'kind'],
  );
  readonly #segments = this.#counter(
    'sotto_translation_segments_total',
    'Segments translated, cached ones included, by language pair.',
    [...byModel, 'source', 'target'],
  );
  readonly #inputChars = this.#histogram('sotto_input_chars', 'Characters per segment (drift signal).', byModel, charBuckets);
  readonly #lengthRatio = this.#histogram(
    'sotto_output_input_ratio',
    'Output characters over input characters, per segment (drift signal).',
    byModel,
    ratioBuckets,
  );
  readonly #computeSeconds = this.#counter(
    'sotto_compute_seconds_total',
    'Inference seconds attributed to requests, by API key.',
    [...byModel, 'key'],
  );
  readonly #cost = this.#counter('sotto_cost_total', 'The price of the attributed inference seconds, by API key.', [
    ...byModel,
    'key',
    'currency',
  ]);
  readonly #coldStart = this.#gauge('sotto_cold_start_seconds', 'From process start to the first time it was ready.');
  readonly #rollbacks = this.#counter('sotto_rollbacks_total', 'Rollbacks of a served model, by reason (manual or the canary threshold passed).', [
    'model',
    'reason',
  ]);

  constructor() {
    const stats = () => this.#stats();
    const queueDepth: Gauge = new Gauge({
      name: 'sotto_queue_depth',
      help: 'Segments waiting for an inference worker.',
      registers: [this.#registry],
      collect: () => withStats(stats(), (s) => queueDepth.set(s.queue.queued)),
    });
    const queueCapacity: Gauge = new Gauge({
      name: 'sotto_queue_capacity',
      help: 'Segments that may wait before requests are refused.',
      registers: [this.#registry],
      collect: () => withStats(stats(), (s) => queueCapacity.set(s.queue.maxQueued)),
    });
    // The cache keeps its own counts: mirrored at scrape time rather than counted twice.
    for (const [name, help, read] of [
      ['sotto_cache_hits_total', 'Segments answered from the translation cache.', (s: EngineStats) => s.cache.hits],
      ['sotto_cache_misses_total', 'Segments looked up in the translation cache and not found.', (s: EngineStats) => s.cache.misses],
    ] as const) {
      const counter: Counter = new Counter({
        name,
        help,
        registers: [this.#registry],
        collect: () =>
          withStats(stats(), (s) => {
            counter.reset();
            counter.inc(read(s));
          }),
      });
    }
    const provider: Gauge<'model' | 'provider' | 'precision'> = new Gauge({
      name: 'sotto_execution_provider',
      help: 'Loaded translation models, by the ONNX Runtime execution provider and precision they run on (always 1).',
      labelNames: ['model', 'provider', 'precision'],
      registers: [this.#registry],
      collect: () => {
        provider.reset();
        for (const model of this.#service?.models() ?? []) {
          if (model.status === 'ready' && model.provider && model.precision) {
            provider.set({ model: model.id, provider: model.provider, precision: model.precision }, 1);
          }
        }
      },
    });
  }

  /** The service whose queue, cache and models are read at scrape time. */
  observe(service: TranslationService): void {
    this.#service = service;
  }

  readonly engine: EngineObserver = {
    batch: ({ model, texts, outputs, computeSeconds }) => {
      const labels = { model: model.id, version: model.version };
      this.#batchSize.observe(labels, texts.length);
      this.#batchSeconds.observe(labels, computeSeconds);
      this.#tokens.inc({ ...labels, kind: 'input' }, sum(texts.map(estimateTokens)));
      this.#tokens.inc({ ...labels, kind: 'output' }, sum(outputs.map(estimateTokens)));
    },
    translated: ({ source, target, segments, result }) => {
      const labels = { model: result.model.id, version: result.model.version };
      this.#segments.inc({ ...labels, source, target }, segments.length);
      this.#queued.observe(labels, result.timings.queuedMs / 1000);
      this.#compute.observe(labels, result.timings.computeMs / 1000);
      segments.forEach((segment, i) => {
        if (segment === '') return;
        this.#inputChars.observe(labels, segment.length);
        this.#lengthRatio.observe(labels, result.translations[i]!.length / segment.length);
      });
    },
  };

  /** Counts a request in flight; call the returned function when it has been answered. */
  started(): () => void {
    this.#inflight.inc();
    return () => this.#inflight.dec();
  }

  exchange({ route, method, status, seconds, key, usage }: HttpExchange): void {
    const model = { model: usage?.model.id ?? '', version: usage?.model.version ?? '' };
    this.#requests.inc({ route, method, status, ...model });
    this.#duration.observe({ route, method, status }, seconds);
    if (!usage) return;
    this.#computeSeconds.inc({ ...model, key }, usage.cost.computeSeconds);
    this.#cost.inc({ ...model, key, currency: usage.cost.currency }, usage.cost.price);
  }

  /** `model` is the served model's name. */
  rollback(model: string, reason: string): void {
    this.#rollbacks.inc({ model, reason });
  }

  coldStart(seconds: number): void {
    this.#coldStart.set(seconds);
  }

  readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;

  /** The text exposition (format 0.0.4) of Sotto's and the process's metrics. */
  render(): Promise<string> {
    return Registry.merge([processMetrics(), this.#registry]).metrics();
  }

  #stats(): EngineStats | undefined {
    try {
      return this.#service?.stats();
    } catch {
      // Translation is not running: its series stay at zero; /readyz says why.
      return undefined;
    }
  }

  #gauge(name: string, help: string): Gauge {
    return new Gauge({ name, help, registers: [this.#registry] });
  }

  #counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.#registry] });
  }

  #histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets, registers: [this.#registry] });
  }
}

function withStats(stats: EngineStats | undefined, use: (stats: EngineStats) => void): void {
  if (stats) use(stats);
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/** Counts every request (by matched route, so that cardinality stays bounded), its latency and, for translations, its cost. */
export function httpMetrics(metrics: Metrics) {
  return createMiddleware(async function httpMetricsMiddleware(c, next) {
    const started = performance.now();
    const answered = metrics.started();
    try {
      await next();
    } finally {
      answered();
    }
    metrics.exchange({
      route: routePath(c),
      method: c.req.method,
      status: c.res.status,
      seconds: (performance.now() - started) / 1000,
      key: apiKeyOf(c),
      usage: c.get('translationUsage'),
    });
  });
}

/** GET /metrics: the Prometheus text exposition. */
export function metricsEndpoint(metrics: Metrics): Handler {
  return async function metricsHandler(c) {
    return c.body(await metrics.render(), 200, { 'Content-Type': metrics.contentType });
  };
}
