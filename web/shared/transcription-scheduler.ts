import type { Recognition, StreamSummary, TranscriptEvent } from './asr-protocol.ts';
import { LocalAgreement } from './local-agreement.ts';
import type { FinalSegmentEvent, PartialSegmentEvent, SegmenterEvent } from './segmenter.ts';
import { SAMPLE_RATE } from './audio/sample-rate.ts';

/** What a recognition is for: a final, or a partial of a still-open segment with the words committed so far (see LocalAgreement). */
export type RecognitionPurpose = { type: 'final'; segmentId: number } | { type: 'partial'; segmentId: number; committedText: string };

export type Recognise = (audio: Float32Array, purpose: RecognitionPurpose) => Promise<Recognition>;

export interface SchedulerOptions {
  /**
   * The most of the wall time partials may keep the recogniser busy: after a partial that took t, the
   * next waits t × (1 / share − 1). Whisper pays a whole 30 s window for every partial, so unpaced
   * partials would keep every core busy for as long as the person speaks. Finals are never delayed.
   */
  partialShare?: number;
  now?: () => number;
  /** Runs `wake` after `ms`; returns a cancel function. */
  schedule?: (wake: () => void, ms: number) => () => void;
}

const browserSchedule = (wake: () => void, ms: number) => {
  const timer = setTimeout(wake, ms);
  return () => clearTimeout(timer);
};

/**
 * Runs recognition for segmenter events one at a time. Every final segment is recognised, in
 * order; a partial is only worth recognising while it is the newest one of a still-open segment,
 * so older partials are dropped when recognition falls behind the speaker, and partials are paced
 * to a share of the time (see SchedulerOptions.partialShare).
 */
export class TranscriptionScheduler {
  private readonly finals: FinalSegmentEvent[] = [];
  private latestPartial: PartialSegmentEvent | undefined;
  private lastFinalId = -1;
  private running: Promise<void> | undefined;
  private failure: unknown;
  private readonly summary: StreamSummary = { audioSeconds: 0, computeSeconds: 0, segments: 0 };
  private partialsPausedUntil = 0;
  private cancelWake: (() => void) | undefined;
  private readonly options: Required<SchedulerOptions>;
  /** The open segment's partial hypotheses so far (see LocalAgreement). */
  private agreement: { segmentId: number; words: LocalAgreement } | undefined;

  constructor(
    private readonly recognise: Recognise,
    /** Awaited, so that idle() resolves only after every event reached its listener (across a worker boundary too). */
    private readonly emit: (event: TranscriptEvent) => void | Promise<unknown>,
    private readonly onError: (error: unknown) => void = () => {},
    options: SchedulerOptions = {},
  ) {
    this.options = { partialShare: 0.5, now: () => performance.now(), schedule: browserSchedule, ...options };
  }

  handle(event: SegmenterEvent): void {
    if (event.type === 'final') {
      this.finals.push(event);
      if (this.latestPartial?.segmentId === event.segmentId) this.latestPartial = undefined;
    } else {
      this.latestPartial = event;
    }
    this.start();
  }

  /** Resolves when every queued final is recognised; rejects with the first recognition error. A partial still waiting its turn is dropped. */
  async idle(): Promise<StreamSummary> {
    while (this.running) await this.running;
    this.cancelWake?.();
    this.cancelWake = undefined;
    this.latestPartial = undefined;
    if (this.failure !== undefined) throw this.failure;
    return { ...this.summary };
  }

  private start(): void {
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
      // Events handled after the drain's last look but before this callback (in the same task) would wait for the next event.
      if (this.finals.length > 0 || (this.latestPartial && !this.cancelWake)) this.start();
    });
  }

  private next(): SegmenterEvent | undefined {
    const final = this.finals.shift();
    if (final) return final;
    const partial = this.latestPartial;
    if (!partial || partial.segmentId <= this.lastFinalId) {
      this.latestPartial = undefined;
      return undefined;
    }
    const waitMs = this.partialsPausedUntil - this.options.now();
    if (waitMs > 0) {
      // Kept (a newer partial replaces it) until partials may run again.
      this.cancelWake ??= this.options.schedule(() => {
        this.cancelWake = undefined;
        this.start();
      }, waitMs);
      return undefined;
    }
    this.latestPartial = undefined;
    return partial;
  }

  private async drain(): Promise<void> {
    for (let event = this.next(); event; event = this.next()) {
      try {
        await this.process(event);
      } catch (error) {
        if (this.failure === undefined) this.onError(error);
        this.failure ??= error;
        this.finals.length = 0;
        this.latestPartial = undefined;
      }
    }
  }

  private async process(event: SegmenterEvent): Promise<void> {
    const started = this.options.now();
    const purpose: RecognitionPurpose =
      event.type === 'final' ? { type: 'final', segmentId: event.segmentId } : { type: 'partial', segmentId: event.segmentId, committedText: this.committedOf(event.segmentId) };
    const { text, detectedLanguage } = await this.recognise(event.audio, purpose);
    const finished = this.options.now();
    const computeSeconds = (finished - started) / 1000;
    if (event.type === 'partial') this.partialsPausedUntil = finished + (finished - started) * (1 / this.options.partialShare - 1);
    const audioSeconds = event.audio.length / SAMPLE_RATE;
    const endSample = event.type === 'final' ? event.endSample : event.startSample + event.audio.length;
    if (event.type === 'final') {
      this.lastFinalId = event.segmentId;
      this.summary.segments += 1;
      this.summary.audioSeconds += (event.audio.length - event.overlapSamples) / SAMPLE_RATE;
    }
    this.summary.computeSeconds += computeSeconds;
    const committedText = event.type === 'partial' ? this.agree(event.segmentId, text) : undefined;
    await this.emit({
      type: event.type,
      segmentId: event.segmentId,
      text: text.trim(),
      startSeconds: event.startSample / SAMPLE_RATE,
      endSeconds: endSample / SAMPLE_RATE,
      overlapSeconds: event.overlapSamples / SAMPLE_RATE,
      realTimeFactor: audioSeconds > 0 ? computeSeconds / audioSeconds : 0,
      ...(committedText === undefined ? {} : { committedText }),
      ...(detectedLanguage ? { detectedLanguage } : {}),
    });
  }

  private committedOf(segmentId: number): string {
    return this.agreement?.segmentId === segmentId ? this.agreement.words.committedText : '';
  }

  private agree(segmentId: number, text: string): string {
    if (this.agreement?.segmentId !== segmentId) this.agreement = { segmentId, words: new LocalAgreement() };
    return this.agreement.words.update(text).committed;
  }
}
