import { supportsDirection } from '../../contract/manifest-schema.ts';
import { isTranslationError } from './errors.ts';
import type { CatalogModel } from './model-catalog.ts';
import type { ModelInfo } from './loaded-models.ts';
import { ModelRegistry, RegistryError, type RollbackReason, type ServedModel } from './model-registry.ts';
import { defaultServedName, type RolloutSettings } from './rollout-settings.ts';
import type { TranslateRequest, TranslateResult, TranslationService } from './service.ts';
import { judgeCanary, VersionHealth, type WindowStats } from './version-health.ts';

/** What the rollout needs of the engine (the TranslationEngine; a fake in tests). */
export interface VersionHost extends TranslationService {
  catalogModel(modelId: string): CatalogModel | undefined;
  load(modelId: string): Promise<void>;
  unload(modelId: string): Promise<boolean>;
}

export interface RolloutOptions {
  /** The models the engine loads at start; the first is the default served model's stable version. */
  preloaded: readonly string[];
  onRollback?: (servedName: string, reason: RollbackReason) => void;
  log?: (message: string) => void;
  now?: () => number;
  random?: () => number;
}

export interface VersionView {
  version: string;
  modelId: string;
  status: ModelInfo['status'] | 'unknown';
  precision?: ModelInfo['precision'];
  inFlight: number;
  stats: WindowStats;
}

export interface ServedView {
  name: string;
  /** The version new requests get (all of them, but the canary's share). */
  serving: string;
  stable: VersionView;
  candidate?: VersionView & { phase: string; canaryPercent: number };
  previous?: VersionView;
  rollbacks: ServedModel['rollbacks'];
}

/** The label of a model's version: its id and the digest of its files, e.g. `sotto/nllb-tiny-random@3f2a9c01b7de`. */
export const versionLabel = (model: CatalogModel) => `${model.entry.id}@${model.version}`;

/** Failures that say something about the version, not about the caller or the load on the server. */
function countsAgainstVersion(err: unknown): boolean {
  return !isTranslationError(err) || ['worker-failed', 'model-unavailable', 'deadline-exceeded'].includes(err.code);
}

/**
 * Serves each served model name through its registry entry: routes every request to a version (sticky per
 * client during a canary), loads and warms versions before they take traffic, unloads replaced ones once
 * their requests drained, and rolls a canary back when its window passes the thresholds. Requests naming a
 * model id, not a served name, go to that model directly.
 */
export class ModelRollout implements TranslationService {
  readonly registry: ModelRegistry;
  readonly #health: VersionHealth;
  readonly #versions = new Map<string, CatalogModel>();
  readonly #inFlight = new Map<string, number>();
  /** When each replaced stable version may be unloaded. */
  readonly #graceEnds = new Map<string, number>();
  readonly #now: () => number;

  constructor(
    private readonly host: VersionHost,
    private readonly settings: RolloutSettings,
    private readonly options: RolloutOptions,
  ) {
    this.#now = options.now ?? Date.now;
    const first = options.preloaded[0];
    const served = Object.keys(settings.served).length > 0 ? settings.served : first ? { [defaultServedName]: first } : {};
    const stables = Object.fromEntries(Object.entries(served).map(([name, modelId]) => [name, this.#label(modelId)]));
    this.registry = new ModelRegistry(stables, this.#now);
    this.#health = new VersionHealth(settings.canary.windowMs, this.#now);
  }

  async translate(request: TranslateRequest): Promise<TranslateResult> {
    const name = this.#servedNameFor(request);
    if (name === undefined) return this.host.translate(request);
    const routed = this.registry.route(name, request.client, this.options.random);
    // A candidate that lacks the direction leaves it to the stable.
    const version = this.#supports(routed, request) ? routed : this.registry.get(name).stable;
    this.#inFlight.set(version, (this.#inFlight.get(version) ?? 0) + 1);
    const started = this.#now();
    // Undefined: a failure that says nothing about the version (the caller left, the queue was full).
    let ok: boolean | undefined = true;
    try {
      return await this.host.translate({ ...request, model: this.#versions.get(version)!.entry.id });
    } catch (err) {
      ok = countsAgainstVersion(err) ? false : undefined;
      throw err;
    } finally {
      this.#inFlight.set(version, this.#inFlight.get(version)! - 1);
      if (ok !== undefined) this.#health.record(version, { ok, latencyMs: this.#now() - started });
      this.#judge(name);
      void this.#unloadIfUnused(version);
    }
  }

  models() {
    return this.host.models();
  }

  languages() {
    return this.host.languages();
  }

  stats() {
    return this.host.stats();
  }

  /** The models /readyz waits for: every served stable version, and preloaded models outside any served model. */
  requiredModels(): string[] {
    const stables = this.registry.names().map((name) => this.#modelId(this.registry.get(name).stable));
    const served = new Set([...this.#versions.values()].map((model) => model.entry.id));
    return [...new Set([...stables, ...this.options.preloaded.filter((id) => !served.has(id))])];
  }

  view(): ServedView[] {
    const models = new Map(this.host.models().map((model) => [model.id, model]));
    const describe = (version: string): VersionView => {
      const info = models.get(this.#modelId(version));
      return {
        version,
        modelId: this.#modelId(version),
        status: info?.status ?? 'unknown',
        ...(info?.precision && { precision: info.precision }),
        inFlight: this.#inFlight.get(version) ?? 0,
        stats: this.#health.stats(version),
      };
    };
    return this.registry.names().map((name) => {
      const { stable, candidate, previous, rollbacks } = this.registry.get(name);
      return {
        name,
        serving: stable,
        stable: describe(stable),
        ...(candidate && { candidate: { ...describe(candidate.version), phase: candidate.phase, canaryPercent: candidate.percent } }),
        ...(previous !== undefined && { previous: describe(previous) }),
        rollbacks,
      };
    });
  }

  /**
   * Loads and warms up a version of a manifest model, then, with `canaryPercent` under 100, sends that share
   * of the traffic to it as a canary (0: none until /canary or /promote); omitted or 100, swaps to it at once.
   */
  async deploy(name: string, target: { version?: string; modelId?: string }, canaryPercent = 100): Promise<void> {
    const version = this.#resolve(target);
    this.registry.deploy(name, version);
    this.#health.reset(version);
    try {
      await this.host.load(this.#modelId(version));
    } catch (err) {
      if (this.registry.get(name).candidate?.version === version) this.#retire(this.registry.failed(name, version).retired);
      throw err;
    }
    const candidate = this.registry.get(name).candidate;
    if (candidate?.version !== version || candidate.phase !== 'loading') {
      void this.#unloadIfUnused(version);
      throw new RegistryError('conflict', `The deployment of ${version} to ${name} was rolled back while it loaded.`);
    }
    this.registry.warmed(name, version, canaryPercent);
    this.#log(`Deployed ${version} to ${name}${canaryPercent < 100 ? ` as a canary taking ${canaryPercent}% of the traffic` : ''}.`);
    if (canaryPercent >= 100) this.promote(name);
  }

  promote(name: string): void {
    const replaced = this.registry.get(name).stable;
    const { retired } = this.registry.promote(name);
    this.#graceEnds.set(replaced, this.#now() + this.settings.rollbackGraceMs);
    setTimeout(() => void this.#unloadIfUnused(replaced), this.settings.rollbackGraceMs).unref();
    this.#log(`${name} now serves ${this.registry.get(name).stable}; ${replaced} stays loaded for ${this.settings.rollbackGraceMs} ms.`);
    this.#retire(retired);
  }

  setCanary(name: string, percent: number): void {
    this.registry.setCanary(name, percent);
    this.#log(`${name}'s candidate now takes ${percent}% of the traffic.`);
  }

  /** Drops the candidate, or restores the previous version (reloading it first if its grace period has passed). */
  async rollback(name: string, reason: RollbackReason = 'manual'): Promise<void> {
    const { candidate, previous } = this.registry.get(name);
    if (!candidate && previous !== undefined) await this.host.load(this.#modelId(previous));
    this.#rollback(name, reason);
  }

  #rollback(name: string, reason: RollbackReason): void {
    const { retired, record } = this.registry.rollback(name, reason);
    this.#log(`Rolled ${name} back from ${record.from} to ${record.to} (${reason}).`);
    this.options.onRollback?.(name, reason);
    this.#retire(retired);
  }

  #judge(name: string): void {
    const { stable, candidate } = this.registry.get(name);
    if (candidate?.phase !== 'warmed' || candidate.percent === 0) return;
    const reason = judgeCanary(this.#health.stats(candidate.version), this.#health.stats(stable), this.settings.canary);
    if (reason) this.#rollback(name, reason);
  }

  #retire(versions: string[]): void {
    for (const version of versions) {
      this.#graceEnds.delete(version);
      void this.#unloadIfUnused(version);
    }
  }

  /** Unloads a version no request runs on and no served model routes to (or keeps warm for a rollback). */
  async #unloadIfUnused(version: string): Promise<void> {
    if ((this.#inFlight.get(version) ?? 0) > 0) return;
    for (const name of this.registry.names()) {
      const { stable, candidate, previous } = this.registry.get(name);
      if (stable === version || candidate?.version === version) return;
      if (previous === version && this.#now() < (this.#graceEnds.get(version) ?? 0)) return;
    }
    const modelId = this.#modelId(version);
    // Another served version may be the same model.
    if ([...this.registry.inUse()].some((other) => other !== version && this.#modelId(other) === modelId)) return;
    if (await this.host.unload(modelId)) this.#log(`Unloaded ${version} after its requests drained.`);
  }

  #servedNameFor(request: TranslateRequest): string | undefined {
    if (request.model !== undefined) return this.registry.has(request.model) ? request.model : undefined;
    const name = this.registry.names()[0];
    return name !== undefined && this.#supports(this.registry.get(name).stable, request) ? name : undefined;
  }

  #supports(version: string, { source, target }: TranslateRequest): boolean {
    return supportsDirection(this.#versions.get(version)!.entry, source, target);
  }

  /** A version label from `owner/name@digest` (the digest must be the one on disk) or a model id. */
  #resolve({ version, modelId }: { version?: string; modelId?: string }): string {
    const [id, digest] = (version ?? modelId ?? '').split('@');
    const label = this.#label(id!);
    if (digest !== undefined && label !== version) {
      throw new RegistryError('unknown', `The models folder holds ${label}, not ${version}.`);
    }
    return label;
  }

  #label(modelId: string): string {
    const model = this.host.catalogModel(modelId);
    if (!model) throw new RegistryError('unknown', `There is no server translation model "${modelId}" in the manifest.`);
    const label = versionLabel(model);
    this.#versions.set(label, model);
    return label;
  }

  #modelId(version: string): string {
    return this.#versions.get(version)!.entry.id;
  }

  #log(message: string): void {
    (this.options.log ?? console.log)(`[sotto] ${message}`);
  }
}
