import type { Recognition, StreamSummary, TranscriptEvent } from './asr-protocol.ts';
import type { FinalSegmentEvent, PartialSegmentEvent, SegmenterEvent } from './segmenter.ts';

export type Recognise = (audio: Float32Array) => Promise<Recognition>;

const SAMPLE_RATE = 16_000;

/**
 * Runs recognition for segmenter events one at a time. Every final segment is recognised, in
 * order; a partial is only worth recognising while it is the newest one of a still-open segment,
 * so older partials are dropped when recognition falls behind the speaker.
 */
export class TranscriptionScheduler {
  private readonly finals: FinalSegmentEvent[] = [];
  private latestPartial: PartialSegmentEvent | undefined;
  private lastFinalId = -1;
  private running: Promise<void> | undefined;
  private failure: unknown;
  private readonly summary: StreamSummary = { audioSeconds: 0, computeSeconds: 0, segments: 0 };

  constructor(
    private readonly recognise: Recognise,
    /** Awaited, so that idle() resolves only after every event reached its listener (across a worker boundary too). */
    private readonly emit: (event: TranscriptEvent) => void | Promise<unknown>,
    private readonly onError: (error: unknown) => void = () => {},
    private readonly now: () => number = () => performance.now(),
  ) {}

  handle(event: SegmenterEvent): void {
    if (event.type === 'final') {
      this.finals.push(event);
      if (this.latestPartial?.segmentId === event.segmentId) this.latestPartial = undefined;
    } else {
      this.latestPartial = event;
    }
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves when every queued final is recognised; rejects with the first recognition error. */
  async idle(): Promise<StreamSummary> {
    while (this.running) await this.running;
    if (this.failure !== undefined) throw this.failure;
    return { ...this.summary };
  }

  private next(): SegmenterEvent | undefined {
    const final = this.finals.shift();
    if (final) return final;
    const partial = this.latestPartial;
    this.latestPartial = undefined;
    return partial && partial.segmentId > this.lastFinalId ? partial : undefined;
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
    const started = this.now();
    const { text, detectedLanguage } = await this.recognise(event.audio);
    const computeSeconds = (this.now() - started) / 1000;
    const audioSeconds = event.audio.length / SAMPLE_RATE;
    const endSample = event.type === 'final' ? event.endSample : event.startSample + event.audio.length;
    if (event.type === 'final') {
      this.lastFinalId = event.segmentId;
      this.summary.segments += 1;
      this.summary.audioSeconds += (event.audio.length - event.overlapSamples) / SAMPLE_RATE;
    }
    this.summary.computeSeconds += computeSeconds;
    await this.emit({
      type: event.type,
      segmentId: event.segmentId,
      text: text.trim(),
      startSeconds: event.startSample / SAMPLE_RATE,
      endSeconds: endSample / SAMPLE_RATE,
      overlapSeconds: event.overlapSamples / SAMPLE_RATE,
      realTimeFactor: audioSeconds > 0 ? computeSeconds / audioSeconds : 0,
      ...(detectedLanguage ? { detectedLanguage } : {}),
    });
  }
}
