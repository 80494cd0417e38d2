import { downloadBytes, includesDirection, PRECISIONS, type TranslationModelEntry } from '../../contract/manifest-schema.ts';
import { placeStages, type DeviceState, type PlacementMode, type ServerState, type StageDecision, type StageNeeds } from './placement-policy.ts';
import { DETECT_LANGUAGE } from './language-detection.ts';
import type { PublishedLimits, ServerModel } from '../../contract/translation-api.ts';
import type { ServerFailure, ServerProbe } from './server-calls.ts';
import { choosePrecision } from './variant-choice.ts';

/** The translation pipeline's decisions, pure: what the server's health is, what to translate next, and where. */

export interface HealthOptions {
  /** Latency above which the server counts as too slow (the placement policy's limit). */
  maxLatencyMs: number;
  /** Weight of the newest latency sample in the moving average. */
  latencyWeight?: number;
  /** Probe interval while the server is usable. */
  healthyProbeMs?: number;
  /** First probe interval after a failure; it doubles with each further failure, up to maxProbeMs. */
  firstProbeMs?: number;
  maxProbeMs?: number;
}

const directionKey = (source: string, target: string) => `${source}>${target}`;

/** What the client knows of the server, from translation responses and from /readyz (or /healthz) probes. */
export class ServerHealth {
  private reachable = true;
  private ready = true;
  private latencyMs: number | undefined;
  private retryAfterUntil: number | undefined;
  private authRequired = false;
  private failures = 0;
  private models: ServerModel[] | undefined;
  private published: PublishedLimits | undefined;
  private readonly refused = new Set<string>();
  private readonly options: Required<HealthOptions>;

  constructor(options: HealthOptions) {
    this.options = { latencyWeight: 0.3, healthyProbeMs: 30_000, firstProbeMs: 2_000, maxProbeMs: 60_000, ...options };
  }

  /** The policy's view. Until told otherwise the server counts as usable: the first request or probe finds out. */
  state(): ServerState {
    return {
      reachable: this.reachable,
      ready: this.ready,
      ...(this.latencyMs === undefined ? {} : { latencyMs: this.latencyMs }),
      ...(this.retryAfterUntil === undefined ? {} : { retryAfterUntil: this.retryAfterUntil }),
      ...(this.authRequired ? { authRequired: true } : {}),
    };
  }

  recordSuccess(latencyMs: number): void {
    this.reachable = true;
    this.ready = true;
    this.retryAfterUntil = undefined;
    this.authRequired = false;
    this.failures = 0;
    const weight = this.options.latencyWeight;
    this.latencyMs = this.latencyMs === undefined ? latencyMs : weight * latencyMs + (1 - weight) * this.latencyMs;
  }

  /** Marks the server unusable in the way the failure shows, so the policy places the next batch on the device. */
  recordFailure(failure: ServerFailure, source: string, target: string): void {
    this.failures += 1;
    switch (failure.kind) {
      case 'unreachable':
        this.reachable = false;
        break;
      case 'overloaded':
        this.retryAfterUntil = failure.retryAfterUntil;
        break;
      case 'slow':
        this.latencyMs = Math.max(failure.elapsedMs, this.options.maxLatencyMs + 1);
        break;
      case 'refused':
        // Our requests are well-formed, so a 422 is about the languages or the model: this direction only.
        if (failure.status === 422) this.refused.add(directionKey(source, target));
        else if (failure.status === 401) this.authRequired = true;
        else this.ready = false;
    }
  }

  /** Probes need no key, so a ready server gets another try: a key may have been configured since. */
  recordProbe(probe: ServerProbe): void {
    this.reachable = probe.reachable;
    if (probe.models) {
      this.models = probe.models;
      this.refused.clear();
    }
    if (probe.limits) this.published = probe.limits;
    this.ready = probe.ready && (this.models === undefined || this.models.some((model) => model.status === 'ready'));
    if (!probe.reachable) this.failures += 1;
    if (this.ready) this.authRequired = false;
    // A recovered server gets another chance: its old latency came from requests that timed out.
    if (this.ready && this.latencyMs !== undefined && this.latencyMs > this.options.maxLatencyMs) this.latencyMs = undefined;
  }

  /** What one request may carry, once a probe read it from the server. */
  limits(): PublishedLimits | undefined {
    return this.published;
  }

  /** Whether the server translates this direction, as far as its model list and its answers tell; from a language yet to be detected: into target from anything. */
  offers(source: string, target: string): boolean {
    if (this.refused.has(directionKey(source, target))) return false;
    const offersFrom = (model: ServerModel) => (source === DETECT_LANGUAGE ? model.languages.some((from) => includesDirection(model, from, target)) : includesDirection(model, source, target));
    return this.models === undefined || this.models.some(offersFrom);
  }

  /** "server GPU" or "server CPU" from the execution provider the server reports for the model. */
  backendLabel(modelId?: string): string {
    const model = this.models?.find((candidate) => candidate.id === modelId) ?? this.models?.find((candidate) => candidate.status === 'ready');
    if (model?.provider === 'cpu') return 'server CPU';
    if (model?.provider === 'cuda' || model?.provider === 'webgpu') return 'server GPU';
    return 'server';
  }

  /** When to probe next: at a relaxed pace while usable, else backing off from firstProbeMs, never before Retry-After. */
  nextProbeDelay(now: number, usable: boolean): number {
    const { healthyProbeMs, firstProbeMs, maxProbeMs } = this.options;
    if (usable) return healthyProbeMs;
    const backoff = Math.min(maxProbeMs, firstProbeMs * 2 ** Math.max(0, this.failures - 1));
    return Math.max(backoff, (this.retryAfterUntil ?? 0) - now);
  }
}

export interface QueuedSegment {
  segmentId: number;
  text: string;
}

/** Final segments waiting for translation, oldest first; what arrives during a batch goes out together in the next. */
export class SegmentQueue<T extends QueuedSegment> {
  private items: T[] = [];

  /** `batchKey`: segments of one batch share it (their source language), so a batch is one request. */
  constructor(private readonly batchKey: (item: T) => string = () => '') {}

  get length(): number {
    return this.items.length;
  }

  /** Adds in segment order; a segment finalised again (same id) replaces the waiting one. */
  add(segment: T): void {
    this.items = this.items.filter((item) => item.segmentId !== segment.segmentId);
    const at = this.items.findIndex((item) => item.segmentId > segment.segmentId);
    this.items.splice(at < 0 ? this.items.length : at, 0, segment);
  }

  /** The oldest segments with the first one's batch key, up to `maxSegments` and (unless the first alone is longer) `maxChars` characters. */
  take(maxSegments: number, maxChars: number): T[] {
    let count = 0;
    let chars = 0;
    const key = this.items[0] && this.batchKey(this.items[0]);
    for (const item of this.items) {
      if (count > 0 && (count >= maxSegments || chars + item.text.length > maxChars || this.batchKey(item) !== key)) break;
      count += 1;
      chars += item.text.length;
    }
    return this.items.splice(0, count);
  }

  clear(): T[] {
    return this.items.splice(0);
  }
}

/** The translation stage's needs, for the placement policy. */
export function translationNeeds(model: TranslationModelEntry, device: DeviceState, deviceModelCached: boolean, serverOffers: boolean): StageNeeds {
  const available = PRECISIONS.filter((precision) => model.variants[precision]);
  const bytes = downloadBytes(model, choosePrecision(device.webgpu ? 'webgpu' : 'wasm', false, available)) ?? 0;
  return {
    stage: 'translation',
    input: 'text',
    sensitive: false,
    deviceModelBytes: bytes,
    deviceModelCached,
    serverOffers,
    // Weights, activations and ORT's arenas: about twice the file size.
    deviceMemoryNeededBytes: 2 * bytes,
  };
}

export interface BatchContext {
  mode: PlacementMode;
  needs: StageNeeds;
  device: DeviceState;
  server: ServerState;
  now: number;
  maxServerLatencyMs: number;
}

/** Where the next batch runs, and why on the four axes. */
export function decideBatch(context: BatchContext): StageDecision {
  const { needs, ...input } = context;
  return placeStages({ ...input, stages: [needs] })[0]!;
}
