import type { TranslationService } from '../translation/service.ts';
import type { Pricing } from './cost.ts';
import { Metrics } from './metrics.ts';
import { Readiness, type RequiredModels } from './readiness.ts';
import { logRecord, stdoutLog, type LogSink } from './request-log.ts';
import { defaultOpsSettings } from './settings.ts';
import { Drain } from './shutdown.ts';

/** Everything the app needs to be operated: metrics, readiness, the drain on shutdown, pricing and the log. */
export interface Operations {
  metrics: Metrics;
  readiness: Readiness;
  drain: Drain;
  pricing: Pricing;
  log: LogSink;
}

export interface OperationsOptions {
  service: TranslationService;
  /** The models /readyz waits for. */
  requiredModels?: RequiredModels;
  pricing?: Pricing;
  /** Created before the engine when the engine reports to it. */
  metrics?: Metrics;
  log?: LogSink;
  /** Milliseconds since the process started. */
  now?: () => number;
}

export function createOperations(options: OperationsOptions): Operations {
  const { service, requiredModels = [], pricing = defaultOpsSettings.pricing, metrics = new Metrics(), log = stdoutLog } = options;
  metrics.observe(service);
  const drain = new Drain();
  const readiness = new Readiness({
    service,
    requiredModels,
    isDraining: () => drain.draining,
    now: options.now,
    onFirstReady: (coldStartSeconds, models) => {
      metrics.coldStart(coldStartSeconds);
      log(logRecord('info', 'ready', { coldStartSeconds, models: models.map((model) => model.id) }));
    },
  });
  return { metrics, readiness, drain, pricing, log };
}

/** Probes and scrapes, which come every few seconds: left out of the request log. */
export const probeRoutes = ['/healthz', '/readyz', '/metrics'] as const;
