import type { Manifest } from '../../contract/manifest-schema.ts';
import { ledgerDelta } from '../shared/ledger.ts';
import { EMPTY_LEDGER, type DataLedger, type FinalSegment, type SessionRecord, type SessionSettings, type TranslatedSegment } from '../shared/pipeline-types.ts';
import type { StageDecision } from '../shared/placement-policy.ts';
import { addToLedger, applySegment, continuation, newSession, settingsOf, withSettings } from '../shared/session-state.ts';
import { lastRun, type StageShown } from '../shared/stage-summary.ts';

/**
 * The API of TranslationPipeline (translation-pipeline.ts). Its ledger reports running totals since it
 * was created; a placement may name the engine it will use.
 */
export interface TranslationPipelineLike {
  setSettings(settings: SessionSettings): void;
  addFinalSegment(segment: FinalSegment): void;
  onSegment(listener: (segment: TranslatedSegment) => void): () => void;
  onLedger(listener: (ledger: DataLedger) => void): () => void;
  onPlacement(listener: (decision: StageDecision & { backend?: string }) => void): () => void;
  dispose(): void;
}

export type CreatePipeline = (options: { manifest: Manifest; settings: SessionSettings }) => TranslationPipelineLike;

export interface SessionSnapshot {
  record: SessionRecord;
  /** Segments that began a new recording or file since the page loaded: the transcript starts a new line there. */
  streamStarts: ReadonlySet<number>;
  translation: StageShown | undefined;
  /** False until a translation pipeline is wired in. */
  translationConnected: boolean;
}

export interface SessionControllerOptions {
  manifest: Manifest;
  createPipeline: CreatePipeline | undefined;
  store: { save(record: SessionRecord): void; delete(id: string): Promise<void> };
  record: SessionRecord;
  now?: () => number;
  newId?: () => string;
}

/**
 * The session being recorded: ASR segments in, one translation pipeline per session, every change
 * reduced into its SessionRecord, saved, and announced to the view.
 */
export class SessionController {
  private current: SessionRecord;
  private pipeline: TranslationPipelineLike | undefined;
  private unsubscribe: (() => void)[] = [];
  /** The pipeline's last running totals: its growth since then belongs to this session's ledger. */
  private pipelineLedger = EMPTY_LEDGER;
  private streamStarts = new Set<number>();
  private stream: { firstSegmentId: number; startSeconds: number; started: boolean } | undefined;
  private translation: StageShown | undefined;
  private readonly listeners = new Set<(snapshot: SessionSnapshot) => void>();
  private readonly now: () => number;
  private readonly newId: () => string;

  constructor(private readonly options: SessionControllerOptions) {
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? (() => crypto.randomUUID());
    this.current = options.record;
    this.connect();
  }

  get record(): SessionRecord {
    return this.current;
  }

  /** Calls the listener now, then after every change. */
  onChange(listener: (snapshot: SessionSnapshot) => void): () => void {
    this.listeners.add(listener);
    listener(this.snapshot());
    return () => this.listeners.delete(listener);
  }

  setSettings(settings: SessionSettings): void {
    this.pipeline?.setSettings(settings);
    this.update(withSettings(this.current, settings, this.now()));
  }

  /** A recording or file begins: its segments, numbered and timed from 0, continue the session. */
  beginStream(): void {
    this.stream = { ...continuation(this.current), started: false };
  }

  addFinal(segment: FinalSegment): void {
    const text = segment.text.trim();
    if (!text) return;
    this.stream ??= { ...continuation(this.current), started: false };
    const stream = this.stream;
    const placed: FinalSegment = {
      ...segment,
      text,
      segmentId: stream.firstSegmentId + segment.segmentId,
      startSeconds: stream.startSeconds + segment.startSeconds,
      endSeconds: stream.startSeconds + segment.endSeconds,
    };
    if (!stream.started && this.current.segments.length > 0) this.streamStarts.add(placed.segmentId);
    stream.started = true;
    const { segmentId, startSeconds, endSeconds, asrRun } = placed;
    this.update(applySegment(this.current, { segmentId, startSeconds, endSeconds, sourceText: text, status: 'pending', ...(asrRun ? { asrRun } : {}) }, this.now()));
    this.pipeline?.addFinalSegment(placed);
  }

  /** Counts audio the page captured (microphone chunks, decoded files) into the ledger. */
  addCapturedAudio(bytes: number): void {
    this.update(addToLedger(this.current, { audioBytesCaptured: bytes }, this.now()));
  }

  open(record: SessionRecord): void {
    this.disconnect();
    this.current = record;
    this.streamStarts = new Set();
    this.stream = undefined;
    this.connect();
    this.announce();
  }

  startNew(): void {
    this.open(newSession(this.newId(), settingsOf(this.current), this.now()));
  }

  /** Deletes a saved session; deleting the current one starts a new, empty one. */
  async remove(id: string): Promise<void> {
    if (id === this.current.id) this.startNew();
    await this.options.store.delete(id);
    this.announce();
  }

  dispose(): void {
    this.disconnect();
    this.listeners.clear();
  }

  private connect(): void {
    const last = lastRun(this.current.segments, 'translation');
    this.translation = last && { placement: last.placement, backend: last.backend, reasons: last.reasons };
    const pipeline = this.options.createPipeline?.({ manifest: this.options.manifest, settings: settingsOf(this.current) });
    if (!pipeline) return;
    this.pipeline = pipeline;
    this.pipelineLedger = EMPTY_LEDGER;
    this.unsubscribe = [
      pipeline.onSegment((segment) => {
        const run = segment.translationRun;
        if (run) this.translation = { placement: run.placement, backend: run.backend, reasons: run.reasons };
        this.update(applySegment(this.current, segment, this.now()));
      }),
      pipeline.onLedger((totals) => {
        const delta = ledgerDelta(this.pipelineLedger, totals);
        this.pipelineLedger = totals;
        // Audio is counted by the page, which captures it.
        this.update(addToLedger(this.current, { ...delta, audioBytesCaptured: 0 }, this.now()));
      }),
      pipeline.onPlacement((decision) => {
        // Without an engine named, the last run's one still holds if it ran in the same place.
        const backend = decision.backend ?? (this.translation?.placement === decision.placement ? this.translation.backend : undefined);
        this.translation = { placement: decision.placement, reasons: decision.reasons, ...(backend ? { backend } : {}) };
        this.announce();
      }),
    ];
  }

  private disconnect(): void {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    this.unsubscribe = [];
    this.pipeline?.dispose();
    this.pipeline = undefined;
  }

  private update(record: SessionRecord): void {
    this.current = record;
    // A session is kept once it has text; audio without speech alone does not make one.
    if (record.segments.length > 0) this.options.store.save(record);
    this.announce();
  }

  private snapshot(): SessionSnapshot {
    return { record: this.current, streamStarts: this.streamStarts, translation: this.translation, translationConnected: this.pipeline !== undefined };
  }

  private announce(): void {
    const snapshot = this.snapshot();
    for (const listener of this.listeners) listener(snapshot);
  }
}
