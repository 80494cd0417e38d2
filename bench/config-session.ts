import type { BenchConfig } from './bench-configs.ts';
import { openBenchPage, type BenchPage } from './bench-page-driver.ts';
import type { LoadResult, ModelTarget, RunResult, RunSpec } from './browser/bench-protocol.ts';
import { ResourceSampler, type ResourceUse } from './resource-sampler.ts';

export interface ClipRun extends RunResult {
  resources: ResourceUse;
}

export interface ConfigResult {
  model: string;
  config: string;
  label: string;
  load?: LoadResult & { resources: ResourceUse };
  clips: { clip: string; runs: ClipRun[] }[];
  /** Set when the configuration stopped early; what it measured before is kept. */
  error?: string;
}

const fixed = (value: number | null) => (value === null ? '—' : value.toFixed(2));

/**
 * One configuration in its own headless Chromium, model loaded once, transcribing clip after clip.
 * Its calls share a time budget: one still running when the budget is spent is stopped by closing
 * the browser, and the configuration is done.
 */
export class ConfigSession {
  readonly result: ConfigResult;
  private spentMs = 0;
  private timedOut = false;

  private constructor(
    private readonly config: BenchConfig,
    private readonly bench: BenchPage,
    private readonly sampler: ResourceSampler,
    private readonly budgetMs: number,
    model: string,
  ) {
    this.result = { model, config: config.id, label: config.label, clips: [] };
  }

  /** `live`: the app's live model, for a streamed configuration. */
  static async open(url: string, config: BenchConfig, model: ModelTarget, budgetSeconds: number, live?: ModelTarget): Promise<ConfigSession> {
    const bench = await openBenchPage(url, config.webgpu);
    const session = new ConfigSession(config, bench, await ResourceSampler.attach(bench.browser, bench.page), budgetSeconds * 1000, model.modelId);
    await session.guarded(async () => {
      const { value, resources } = await session.measured(() => bench.call('load', { ...model, engine: config.engine, ...(live ? { live } : {}) }));
      session.result.load = { ...value, resources };
      const fallback = value.fallbackReason ? ` — ${value.fallbackReason}` : '';
      session.log(`loaded ${model.modelId}${live ? ` (live: ${live.modelId})` : ''}: ${value.backend} ${value.precision}, ${value.threads} thread(s), ${value.loadSeconds.toFixed(2)} s${fallback}`);
    });
    return session;
  }

  get stopped(): boolean {
    return this.result.error !== undefined;
  }

  async run(spec: RunSpec): Promise<void> {
    await this.guarded(async () => {
      const { value, resources } = await this.measured(() => this.bench.call('run', spec));
      let entry = this.result.clips.find((c) => c.clip === spec.clip);
      if (!entry) this.result.clips.push((entry = { clip: spec.clip, runs: [] }));
      entry.runs.push({ ...value, resources });
      this.log(`${spec.clip} #${entry.runs.length}: RTF ${fixed(value.finalComputeSeconds / value.audioSeconds)}, first text ${fixed(value.firstPartialSeconds ?? value.firstFinalSeconds)} s, wall ${fixed(value.wallSeconds)} s`);
    });
  }

  close(): Promise<void> {
    return this.bench.close();
  }

  private log(message: string): void {
    console.log(`[${this.config.id}] ${message}`);
  }

  /** Records the first failure and ends the session; later calls do nothing. */
  private async guarded(work: () => Promise<void>): Promise<void> {
    if (this.stopped) return;
    try {
      await work();
    } catch (error) {
      this.result.error = this.timedOut ? `stopped when its ${this.budgetMs / 1000} s budget ran out` : error instanceof Error ? error.message : String(error);
      this.log(`stopped: ${this.result.error}`);
      await this.bench.close();
    }
  }

  private async measured<T>(work: () => Promise<T>): Promise<{ value: T; resources: ResourceUse }> {
    const started = performance.now();
    const timer = setTimeout(() => {
      this.timedOut = true;
      void this.bench.close();
    }, Math.max(0, this.budgetMs - this.spentMs));
    try {
      await this.sampler.begin();
      const value = await work();
      return { value, resources: await this.sampler.end() };
    } finally {
      clearTimeout(timer);
      this.sampler.stop();
      this.spentMs += performance.now() - started;
    }
  }
}
