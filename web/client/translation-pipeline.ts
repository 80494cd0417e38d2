import { unpublishedLimits } from '../../contract/translation-api.ts';
import { findModel, isTranslationModel, type Manifest, type TranslationModelEntry } from '../../contract/manifest-schema.ts';
import type { AsrBackend } from '../shared/asr-protocol.ts';
import { DETECT_LANGUAGE } from '../shared/language-detection.ts';
import { EMPTY_LEDGER, type DataLedger, type FinalSegment, type SessionSettings, type StagePlacement, type TranslatedSegment } from '../shared/pipeline-types.ts';
import { serverUnavailableReason, type DeviceState, type StageDecision } from '../shared/placement-policy.ts';
import type { ServerFailure, ServerProbe } from '../shared/server-calls.ts';
import { decideBatch, SegmentQueue, ServerHealth, translationNeeds } from '../shared/translation-pipeline-logic.ts';
import type { LoadProgress } from '../shared/translation-protocol.ts';
import { browserDeviceState, type DeviceStateSource } from './device-state.ts';
import { backendLabel, DeviceTranslator, type DeviceTranslation } from './device-translator.ts';
import { ServerTranslator, type ServerTranslation, type TranslateOptions } from './server-translator.ts';

/** What the pipeline needs of the on-device translator (DeviceTranslator in the app). */
export interface DeviceTranslationEngine {
  readonly model: TranslationModelEntry;
  supports(source: string, target: string): boolean;
  isCached(): Promise<boolean>;
  translate(texts: string[], source: string, target: string, signal?: AbortSignal): Promise<DeviceTranslation>;
  dispose(): void;
}

/** What the pipeline needs of the server client (ServerTranslator in the app). */
export interface ServerTranslationEngine {
  translate(segments: readonly string[], source: string, target: string, options: TranslateOptions): Promise<ServerTranslation>;
  probe(signal?: AbortSignal): Promise<ServerProbe>;
}

export interface TranslationPipelineOptions {
  settings: SessionSettings;
  device: DeviceTranslationEngine;
  server: ServerTranslationEngine;
  deviceState: DeviceStateSource;
  /** The time one server batch may take, retries included, before it moves to the device. */
  serverDeadlineMs?: number;
  /** Recent server latency above which batches go to the device. */
  maxServerLatencyMs?: number;
  /** Caps the probe backoff while the server is unusable (tests and benchmarks set it low). */
  maxProbeMs?: number;
  now?: () => number;
}

type Listener<T> = (value: T) => void;

/**
 * Translates final ASR segments in order, each batch where the placement policy puts it: on the server
 * while it is usable, else (or when it fails mid-batch) with the small model on this device.
 * `device-only` never calls the server, probes included.
 */
export class TranslationPipeline {
  private settings: SessionSettings;
  private readonly queue = new SegmentQueue<FinalSegment>((segment) => this.sourceOf(segment));
  private readonly segments = new Map<number, TranslatedSegment>();
  private readonly health: ServerHealth;
  private readonly listeners = { segment: new Set<Listener<TranslatedSegment>>(), ledger: new Set<Listener<DataLedger>>(), placement: new Set<Listener<StagePlacement>>() };
  private readonly abort = new AbortController();
  private readonly unsubscribe: () => void;
  private readonly ready: Promise<void>;
  private ledgerState: DataLedger;
  private device: DeviceState | undefined;
  private deviceModelCached = false;
  private lastDeviceBackend: string | undefined;
  /** The source of the latest batch: what the placement shown is about while the language is detected per segment. */
  private lastSource: string | undefined;
  private placement: StagePlacement | undefined;
  private probeTimer: ReturnType<typeof setTimeout> | undefined;
  private pumping = false;
  private readonly limits: { serverDeadlineMs: number; maxServerLatencyMs: number };
  private readonly now: () => number;

  constructor(private readonly options: TranslationPipelineOptions) {
    this.settings = options.settings;
    this.ledgerState = { ...EMPTY_LEDGER };
    this.now = options.now ?? Date.now;
    this.limits = {
      serverDeadlineMs: options.serverDeadlineMs ?? 8_000,
      maxServerLatencyMs: options.maxServerLatencyMs ?? 3_000,
    };
    const { maxProbeMs } = options;
    this.health = new ServerHealth({ maxLatencyMs: this.limits.maxServerLatencyMs, ...(maxProbeMs ? { maxProbeMs, firstProbeMs: Math.min(2_000, maxProbeMs) } : {}) });
    this.unsubscribe = options.deviceState.onChange(() => void this.refresh());
    this.ready = this.refresh();
  }

  /** Totals since the pipeline was created; audio is not counted here (it never reaches the pipeline). */
  get ledger(): DataLedger {
    return { ...this.ledgerState };
  }

  /** New languages apply from the next batch; a new mode re-decides the placement at once. */
  setSettings(settings: SessionSettings): void {
    const modeChanged = settings.mode !== this.settings.mode;
    this.settings = settings;
    void this.ready.then(() => {
      this.decide();
      if (modeChanged) this.scheduleProbe(0);
    });
  }

  /** Queues a final segment (a segment id seen again replaces its text) and emits it as pending. */
  addFinalSegment(segment: FinalSegment): void {
    if (this.abort.signal.aborted) return;
    const { segmentId, startSeconds, endSeconds, text: sourceText, asrRun, detectedLanguage } = segment;
    this.emitSegment({ segmentId, startSeconds, endSeconds, sourceText, ...(detectedLanguage ? { detectedLanguage } : {}), ...(asrRun ? { asrRun } : {}), status: 'pending' });
    this.queue.add(segment);
    void this.pump();
  }

  onSegment(listener: Listener<TranslatedSegment>): () => void {
    return this.listen(this.listeners.segment, listener);
  }

  onLedger(listener: Listener<DataLedger>): () => void {
    return this.listen(this.listeners.ledger, listener);
  }

  /** Called when the placement of the next batch changes, and at once with the current one if known. */
  onPlacement(listener: Listener<StagePlacement>): () => void {
    if (this.placement) listener(this.placement);
    return this.listen(this.listeners.placement, listener);
  }

  /** Stops everything: queued segments are dropped, a running batch is cancelled, the device worker ends. */
  dispose(): void {
    this.abort.abort();
    clearTimeout(this.probeTimer);
    this.unsubscribe();
    this.options.device.dispose();
    for (const set of Object.values(this.listeners)) set.clear();
  }

  private listen<T>(set: Set<Listener<T>>, listener: Listener<T>): () => void {
    set.add(listener);
    return () => void set.delete(listener);
  }

  private async refresh(): Promise<void> {
    const [device, cached] = await Promise.all([this.options.deviceState.read(), this.options.device.isCached()]);
    if (this.abort.signal.aborted) return;
    const cameOnline = device.online && this.device?.online !== true;
    this.device = device;
    this.deviceModelCached ||= cached;
    this.decide();
    if (cameOnline) this.scheduleProbe(0);
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      await this.ready;
      while (this.queue.length > 0 && !this.abort.signal.aborted) {
        // As much as one server request may carry, as the server published it: a batch is one request.
        const { maxSegments, maxCharsPerRequest } = this.health.limits() ?? unpublishedLimits;
        const batch = this.queue.take(maxSegments, maxCharsPerRequest);
        await this.translateBatch(batch).catch((error: unknown) => this.failPending(batch, error));
      }
    } finally {
      this.pumping = false;
    }
  }

  /** A segment is translated from the language detected in it, else from the one chosen. */
  private sourceOf(segment: FinalSegment): string {
    return segment.detectedLanguage?.code ?? this.settings.sourceLanguage;
  }

  private async translateBatch(batch: FinalSegment[]): Promise<void> {
    const source = this.sourceOf(batch[0]!);
    const target = this.settings.targetLanguage;
    if (source === DETECT_LANGUAGE) return batch.forEach((segment) => this.finish(segment, { status: 'failed', error: 'The spoken language was not detected' }));
    // Already in the target language (as detected): the text is its own translation, and nothing is sent.
    if (source === target) return batch.forEach((segment) => this.finish(segment, { translation: segment.text, status: 'done' }));
    this.lastSource = source;
    let decision = this.decide(source);
    let rest = batch;
    let serverFailure: ServerFailure | undefined;
    if (decision.placement === 'server') {
      const started = this.now();
      const deadlineMs = this.limits.serverDeadlineMs;
      const result = await this.options.server.translate(batch.map((s) => s.text), source, target, { deadlineMs, signal: this.abort.signal });
      this.count(result);
      const backend = this.health.backendLabel(result.model?.id);
      const run = { stage: 'translation' as const, placement: 'server' as const, backend, reasons: decision.reasons, ms: this.now() - started };
      if (result.latencyMs !== undefined) this.health.recordSuccess(result.latencyMs);
      batch.slice(0, result.translations.length).forEach((segment, i) => this.finish(segment, { translation: result.translations[i]!, translationRun: run, status: 'done' }));
      rest = batch.slice(result.translations.length);
      serverFailure = result.failure;
      if (serverFailure) {
        this.health.recordFailure(serverFailure, source, target);
        this.scheduleProbe();
        decision = this.decide(source);
      }
    }
    if (rest.length > 0) await this.translateOnDevice(rest, decision, source, target, serverFailure);
  }

  private async translateOnDevice(batch: FinalSegment[], decision: StageDecision, source: string, target: string, serverFailure?: ServerFailure): Promise<void> {
    const fail = (error: string) => batch.forEach((segment) => this.finish(segment, { status: 'failed', error }));
    if (!this.options.device.supports(source, target)) {
      const why = `No on-device model translates ${source} → ${target}`;
      return fail(serverFailure ? `${why}, and ${serverFailure.message}` : why);
    }
    const started = this.now();
    const result = await this.options.device.translate(batch.map((s) => s.text), source, target, this.abort.signal);
    this.deviceModelCached = true;
    const backend = backendLabel(result.backend);
    this.lastDeviceBackend = backend;
    const run = { stage: 'translation' as const, placement: 'device' as const, backend, reasons: decision.reasons, ms: this.now() - started };
    batch.forEach((segment, i) => this.finish(segment, { translation: result.translations[i]!, translationRun: run, status: 'done' }));
  }

  private failPending(batch: FinalSegment[], error: unknown): void {
    if (this.abort.signal.aborted) return;
    const message = `Translation failed: ${error instanceof Error ? error.message : String(error)}`;
    for (const segment of batch) if (this.segments.get(segment.segmentId)?.status === 'pending') this.finish(segment, { status: 'failed', error: message });
  }

  /** The source the placement shown is about: the one chosen, or while detecting, the latest batch's. */
  private currentSource(): string {
    const chosen = this.settings.sourceLanguage;
    return chosen === DETECT_LANGUAGE ? (this.lastSource ?? DETECT_LANGUAGE) : chosen;
  }

  /** Decides where the next batch (from `source`) goes and announces a change of placement. */
  private decide(source = this.currentSource()): StageDecision {
    const { targetLanguage: target, mode } = this.settings;
    const device = this.device!;
    const needs = translationNeeds(this.options.device.model, device, this.deviceModelCached, this.health.offers(source, target));
    const decision = decideBatch({ mode, needs, device, server: this.health.state(), now: this.now(), maxServerLatencyMs: this.limits.maxServerLatencyMs });
    const backend = decision.placement === 'server' ? this.health.backendLabel() : (this.lastDeviceBackend ?? (device.webgpu ? 'WebGPU' : 'WebAssembly'));
    const placement: StagePlacement = { stage: 'translation', placement: decision.placement, backend, reasons: decision.reasons };
    if (JSON.stringify(placement) !== JSON.stringify(this.placement)) {
      this.placement = placement;
      for (const listener of this.listeners.placement) listener(placement);
    }
    return decision;
  }

  /** Probes while the server may be used: never in device-only mode or offline. */
  private scheduleProbe(delayMs?: number): void {
    clearTimeout(this.probeTimer);
    if (this.abort.signal.aborted || this.settings.mode === 'device-only' || !this.device?.online) return;
    const usable = serverUnavailableReason(this.device, this.health.state(), this.now(), this.limits.maxServerLatencyMs) === undefined;
    this.probeTimer = setTimeout(() => void this.probe(), delayMs ?? this.health.nextProbeDelay(this.now(), usable));
  }

  private async probe(): Promise<void> {
    const result = await this.options.server.probe(this.abort.signal).catch(() => undefined);
    if (!result || this.abort.signal.aborted) return;
    this.health.recordProbe(result);
    this.decide();
    this.scheduleProbe();
  }

  /** Adds a server call's real traffic to the ledger (request and response body bytes, retries included) and what it was billed. */
  private count({ traffic, cost }: ServerTranslation): void {
    const ledger = this.ledgerState;
    this.ledgerState = {
      ...ledger,
      transcriptBytesSent: ledger.transcriptBytesSent + traffic.bytesSent,
      translationBytesReceived: ledger.translationBytesReceived + traffic.bytesReceived,
      translationRequests: ledger.translationRequests + traffic.requests,
      ...(cost ? { serverComputeSeconds: ledger.serverComputeSeconds + cost.computeSeconds, serverPrice: ledger.serverPrice + cost.price, serverCurrency: cost.currency } : {}),
    };
    for (const listener of this.listeners.ledger) listener(this.ledger);
  }

  private finish(segment: FinalSegment, update: Pick<TranslatedSegment, 'status'> & Partial<TranslatedSegment>): void {
    this.emitSegment({ ...this.segments.get(segment.segmentId)!, ...update });
  }

  private emitSegment(segment: TranslatedSegment): void {
    this.segments.set(segment.segmentId, segment);
    for (const listener of this.listeners.segment) listener(segment);
  }
}

export interface BrowserPipelineOptions {
  settings: SessionSettings;
  manifest: Manifest;
  /** `?backend=` for the on-device model, as for ASR. */
  backend?: AsrBackend | 'auto';
  /** Download progress of the on-device model, the first time it is needed. */
  onModelProgress?: (progress: LoadProgress) => void;
}

/** `?probeMs=500` caps the wait between probes of an unusable server (default: backing off to 60 s), so tests and benchmarks see a recovery soon. */
function probeOverride(search: string): { maxProbeMs?: number } {
  const probeMs = Number(new URLSearchParams(search).get('probeMs'));
  return Number.isInteger(probeMs) && probeMs > 0 ? { maxProbeMs: probeMs } : {};
}

/** The pipeline as the app runs it: the manifest's on-device model in its worker, this origin's server, the browser's device state. */
export function createTranslationPipeline(options: BrowserPipelineOptions): TranslationPipeline {
  const id = options.manifest.defaults.translation?.device;
  if (!id) throw new Error('The model manifest names no on-device translation model');
  const model = findModel(options.manifest, id);
  if (!isTranslationModel(model)) throw new Error(`${id} is not a translation model`);
  return new TranslationPipeline({
    settings: options.settings,
    device: new DeviceTranslator({ model, ...(options.backend ? { backend: options.backend } : {}), ...(options.onModelProgress ? { onProgress: options.onModelProgress } : {}) }),
    server: new ServerTranslator({ baseUrl: location.origin }),
    deviceState: browserDeviceState(),
    ...probeOverride(location.search),
  });
}
