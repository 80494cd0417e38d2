import type { Context } from 'hono';
import type { ReadyResponse } from '../../contract/translation-api.ts';
import { problem } from '../problem.ts';
import type { ModelInfo } from '../translation/loaded-models.ts';
import type { EngineStats, TranslationService } from '../translation/service.ts';

/** Above this share of the queue filled, the load balancer should send new work elsewhere. */
const queueReadyBelow = 0.9;

export interface ReadinessInput {
  draining: boolean;
  /** The models that must be loaded and warmed up. */
  requiredModels: readonly string[];
  models: ModelInfo[];
  /** The engine's stats, or why translation is not running. */
  stats: EngineStats | { unavailable: string };
}

export type ReadyModel = Pick<ModelInfo, 'id' | 'version' | 'provider' | 'precision'>;

export type Assessment = { ready: true; models: ReadyModel[] } | { ready: false; reasons: string[] };

function modelProblem(id: string, model: ModelInfo | undefined): string | undefined {
  if (!model) return `Model ${id} is not a server translation model in the manifest.`;
  switch (model.status) {
    case 'ready':
      return undefined;
    case 'missing':
      return `Model ${id} is not on disk.`;
    case 'failed':
      return `Model ${id} failed to load: ${model.error ?? 'unknown error'}`;
    default:
      return `Model ${id} is ${model.status === 'loading' ? 'loading (and warming up)' : 'not loaded'}.`;
  }
}

function engineProblems(stats: EngineStats): string[] {
  const problems: string[] = [];
  const { queued, maxQueued } = stats.queue;
  if (queued >= maxQueued * queueReadyBelow) {
    problems.push(`The translation queue is ${Math.round((100 * queued) / maxQueued)}% full (${queued} of ${maxQueued} segments waiting).`);
  }
  const workers = stats.workers.workers;
  if (!workers.some((worker) => worker.state === 'ready')) {
    const states = workers.map((worker) => worker.state).join(', ') || 'none running';
    problems.push(`No inference worker is ready (${states}).`);
  }
  return problems;
}

/** Ready to take traffic: not shutting down, every required model loaded and warmed up, a worker ready, room in the queue. */
export function assessReadiness({ draining, requiredModels, models, stats }: ReadinessInput): Assessment {
  const reasons = [
    ...(draining ? ['The server is shutting down.'] : []),
    ...('unavailable' in stats ? [stats.unavailable] : engineProblems(stats)),
    ...requiredModels.flatMap((id) => modelProblem(id, models.find((model) => model.id === id)) ?? []),
  ];
  if (reasons.length > 0) return { ready: false, reasons };
  const ready = requiredModels.map((id) => models.find((model) => model.id === id)!);
  return { ready: true, models: ready.map(({ id, version, provider, precision }) => ({ id, version, provider, precision })) };
}

/** A function when they change at run time (a rollout swaps the served versions). */
export type RequiredModels = readonly string[] | (() => readonly string[]);

export interface ReadinessOptions {
  service: TranslationService;
  requiredModels: RequiredModels;
  isDraining: () => boolean;
  /** Milliseconds since the process started. */
  now?: () => number;
  /** Called once, the first time the server is ready. */
  onFirstReady?: (coldStartSeconds: number, models: ReadyModel[]) => void;
}

export type ReadinessReport = Assessment & { coldStartSeconds?: number };

/** Readiness of this process, and its cold start: the time from process start to the first ready check. */
export class Readiness {
  #coldStartSeconds: number | undefined;

  constructor(private readonly options: ReadinessOptions) {}

  check(): ReadinessReport {
    const { service, requiredModels, isDraining, now = () => performance.now() } = this.options;
    const assessment = assessReadiness({
      draining: isDraining(),
      requiredModels: typeof requiredModels === 'function' ? requiredModels() : requiredModels,
      models: service.models(),
      stats: statsOf(service),
    });
    if (assessment.ready && this.#coldStartSeconds === undefined) {
      this.#coldStartSeconds = Math.round(now()) / 1000;
      this.options.onFirstReady?.(this.#coldStartSeconds, assessment.models);
    }
    return this.#coldStartSeconds === undefined ? assessment : { ...assessment, coldStartSeconds: this.#coldStartSeconds };
  }

  /** Checks every `intervalMs` until first ready, so that the cold start is measured without waiting for a probe. */
  watch(intervalMs = 100): void {
    const timer = setInterval(() => {
      if (this.check().ready) clearInterval(timer);
    }, intervalMs);
    timer.unref();
  }
}

function statsOf(service: TranslationService): ReadinessInput['stats'] {
  try {
    return service.stats();
  } catch (err) {
    return { unavailable: err instanceof Error ? err.message : String(err) };
  }
}

/** GET /readyz: 200 with the ready models, or 503 problem+json listing every reason it is not ready. */
export function readyz(readiness: Readiness): (c: Context) => ReadyResponse | Response {
  return function readyzHandler(c) {
    const { coldStartSeconds, ...report } = readiness.check();
    const coldStart = coldStartSeconds === undefined ? {} : { coldStartSeconds };
    if (report.ready) return { status: 'ready', models: report.models, ...coldStart };
    return problem(c, 503, 'Not Ready', report.reasons.join(' '), { reasons: report.reasons, ...coldStart });
  };
}
