/**
 * Which version of each served model takes traffic: a pure state machine, no I/O. A served model (e.g.
 * `translation-default`) has a `stable` version, at most one `candidate` (loading, then warmed, taking
 * `percent` of the traffic as a canary) and the `previous` stable, which one rollback restores.
 * Versions are labels (`owner/name@digest`); loading, draining and unloading them is the caller's job,
 * told by the `retired` versions each transition returns.
 */

export type CandidatePhase = 'loading' | 'warmed';

export interface Candidate {
  version: string;
  phase: CandidatePhase;
  /** Share of the traffic, 0 to 100, sent to the candidate once warmed. */
  percent: number;
}

export type RollbackReason = 'manual' | 'error-rate' | 'latency' | 'latency-vs-stable';

export interface RollbackRecord {
  at: number;
  from: string;
  to: string;
  reason: RollbackReason;
}

export interface ServedModel {
  name: string;
  stable: string;
  candidate?: Candidate;
  previous?: string;
  rollbacks: RollbackRecord[];
}

/** A transition's outcome: versions no served model uses any more, to unload once their requests drained. */
export interface Transition {
  retired: string[];
}

export class RegistryError extends Error {
  override name = 'RegistryError';

  constructor(
    readonly kind: 'unknown' | 'conflict',
    message: string,
  ) {
    super(message);
  }
}

// Kept per served model for GET /admin/models; older rollbacks are only in the log and the metrics.
const rollbacksKept = 20;

/** FNV-1a, 32 bits: stable across processes and restarts, so that a client keeps its version everywhere. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** Where a client falls in [0, 100) for a served model: the same client always lands in the same place. */
export function bucketOf(servedName: string, client: string): number {
  return (fnv1a(`${servedName}\u0000${client}`) % 10_000) / 100;
}

export class ModelRegistry {
  readonly #served = new Map<string, ServedModel>();

  constructor(
    stables: Record<string, string>,
    private readonly now: () => number = Date.now,
  ) {
    for (const [name, stable] of Object.entries(stables)) this.#served.set(name, { name, stable, rollbacks: [] });
  }

  names(): string[] {
    return [...this.#served.keys()];
  }

  has(name: string): boolean {
    return this.#served.has(name);
  }

  get(name: string): Readonly<ServedModel> {
    return this.#get(name);
  }

  /** Every version some served model may still route to or restore: these stay loaded. */
  inUse(): Set<string> {
    const versions = new Set<string>();
    for (const served of this.#served.values()) {
      versions.add(served.stable);
      if (served.candidate) versions.add(served.candidate.version);
      if (served.previous) versions.add(served.previous);
    }
    return versions;
  }

  /**
   * The version for one request. `client` is a stable id of the caller (API key, else address): its bucket
   * decides, so a client stays on one version while the share stays the same. Without one, a random bucket.
   */
  route(name: string, client: string | undefined, random: () => number = Math.random): string {
    const { stable, candidate } = this.get(name);
    if (!candidate || candidate.phase !== 'warmed' || candidate.percent <= 0) return stable;
    const bucket = client === undefined ? random() * 100 : bucketOf(name, client);
    return bucket < candidate.percent ? candidate.version : stable;
  }

  /** A new candidate starts loading; it takes no traffic until warmed(). */
  deploy(name: string, version: string): void {
    const served = this.#get(name);
    if (served.candidate) {
      throw new RegistryError('conflict', `${name} already has candidate ${served.candidate.version}; promote or roll it back first.`);
    }
    if (version === served.stable) throw new RegistryError('conflict', `${name} already serves ${version}.`);
    served.candidate = { version, phase: 'loading', percent: 0 };
  }

  /** The candidate is loaded and warmed up; it takes `percent` of the traffic from now on. */
  warmed(name: string, version: string, percent: number): void {
    const candidate = this.#candidate(name, version, 'loading');
    candidate.phase = 'warmed';
    candidate.percent = clampPercent(percent);
  }

  /** The candidate failed to load: it is dropped. */
  failed(name: string, version: string): Transition {
    const served = this.#get(name);
    this.#candidate(name, version, 'loading');
    delete served.candidate;
    return this.#retire([version]);
  }

  setCanary(name: string, percent: number): void {
    this.#candidate(name, undefined, 'warmed').percent = clampPercent(percent);
  }

  /** Atomic swap: new requests go to the candidate; the old stable becomes `previous`. */
  promote(name: string): Transition {
    const served = this.#get(name);
    const candidate = this.#candidate(name, undefined, 'warmed');
    const dropped = served.previous;
    served.previous = served.stable;
    served.stable = candidate.version;
    delete served.candidate;
    return this.#retire(dropped === undefined ? [] : [dropped]);
  }

  /**
   * With a candidate: drops it (the stable never stopped serving). Without one: restores `previous` as the
   * stable. The version rolled back from is retired either way.
   */
  rollback(name: string, reason: RollbackReason): Transition & { record: RollbackRecord } {
    const served = this.#get(name);
    let record: RollbackRecord;
    if (served.candidate) {
      record = { at: this.now(), from: served.candidate.version, to: served.stable, reason };
      delete served.candidate;
    } else if (served.previous !== undefined) {
      record = { at: this.now(), from: served.stable, to: served.previous, reason };
      served.stable = served.previous;
      delete served.previous;
    } else {
      throw new RegistryError('conflict', `${name} has neither a candidate nor a previous version to roll back to.`);
    }
    served.rollbacks = [record, ...served.rollbacks].slice(0, rollbacksKept);
    return { ...this.#retire([record.from]), record };
  }

  #get(name: string): ServedModel {
    const served = this.#served.get(name);
    if (!served) throw new RegistryError('unknown', `There is no served model "${name}".`);
    return served;
  }

  #candidate(name: string, version: string | undefined, phase: CandidatePhase): Candidate {
    const { candidate } = this.#get(name);
    if (!candidate || (version !== undefined && candidate.version !== version)) {
      throw new RegistryError('conflict', `${name} has no candidate${version === undefined ? '' : ` ${version}`}.`);
    }
    if (candidate.phase !== phase) {
      throw new RegistryError('conflict', `${name}'s candidate ${candidate.version} is ${candidate.phase}, not ${phase}.`);
    }
    return candidate;
  }

  #retire(versions: string[]): Transition {
    const used = this.inUse();
    return { retired: versions.filter((version) => !used.has(version)) };
  }
}

function clampPercent(percent: number): number {
  return Math.min(100, Math.max(0, percent));
}
