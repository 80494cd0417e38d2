// Splits a 16 kHz mono stream into speech segments for recognition, using frame energy
// against an adaptive noise floor (the minimum frame energy over the last few seconds).

import { SAMPLE_RATE } from './audio/sample-rate.ts';

const FRAME_SAMPLES = 480; // 30 ms
const NOISE_WINDOW_FRAMES = 100; // 3 s: long enough to always contain a pause between words
const SPEECH_TO_NOISE_RATIO = 3; // ≈ 10 dB above the noise floor
const MIN_SPEECH_RMS = 5e-4; // ≈ -66 dBFS; quieter frames are never speech
const TRAILING_PAD_SAMPLES = 4_800; // 300 ms kept after the last speech frame for soft word endings
const CUT_SEARCH_SAMPLES = 32_000; // a forced cut looks for the quietest frame in the last 2 s

export interface SegmenterOptions {
  /** Minimum new audio between two partial events of a segment. Default 1 s. */
  partialIntervalSamples?: number;
  /** Silence that closes a segment. Default 500 ms. */
  minSilenceMs?: number;
  /** Segments are cut at this length. Default 20 s. */
  maxSegmentSeconds?: number;
  /** After a forced cut, the next segment repeats this much audio from before the cut. Default 1 s. */
  overlapSeconds?: number;
  /** Audio kept before speech onset. Default 200 ms. */
  preRollMs?: number;
  /** Segments with less speech than this are dropped as noise. Default 250 ms. */
  minSpeechMs?: number;
}

export interface PartialSegmentEvent {
  type: 'partial';
  segmentId: number;
  /** The whole open segment so far. */
  audio: Float32Array;
  startSample: number;
  /** Leading samples that repeat the end of the previous segment (after a forced cut). */
  overlapSamples: number;
}

export interface FinalSegmentEvent {
  type: 'final';
  segmentId: number;
  audio: Float32Array;
  startSample: number;
  /** Exclusive. */
  endSample: number;
  overlapSamples: number;
}

export type SegmenterEvent = PartialSegmentEvent | FinalSegmentEvent;

interface Frame {
  start: number;
  rms: number;
  speech: boolean;
}

interface OpenSegment {
  /** Assigned on the first emitted event, so dropped segments do not consume ids. */
  id: number | undefined;
  start: number;
  /** Where audio not already sent in the previous segment begins. */
  novelStart: number;
  lastPartialAt: number;
}

const msToSamples = (ms: number): number => Math.round((ms * SAMPLE_RATE) / 1000);

/** Sample positions are counted from the first sample pushed; after `end()` the instance is spent. */
export class SpeechSegmenter {
  private readonly partialInterval: number;
  private readonly minSilence: number;
  private readonly maxSegment: number;
  private readonly overlap: number;
  private readonly preRoll: number;
  private readonly minSpeech: number;

  private readonly history = new SampleHistory();
  /** Classified frames still inside `history`. */
  private frames: Frame[] = [];
  private readonly noiseWindow: number[] = [];
  private processedEnd = 0;
  private silenceRun = 0;
  private lastSpeechEnd = 0;
  private segment: OpenSegment | undefined;
  private nextSegmentId = 0;
  private ended = false;
  /** Where the first voiced frame starts (speech onset), once there is one. */
  firstSpeechSample: number | undefined;

  constructor(options: SegmenterOptions = {}) {
    this.partialInterval = options.partialIntervalSamples ?? SAMPLE_RATE;
    this.minSilence = msToSamples(options.minSilenceMs ?? 500);
    this.maxSegment = msToSamples((options.maxSegmentSeconds ?? 20) * 1000);
    this.overlap = msToSamples((options.overlapSeconds ?? 1) * 1000);
    this.preRoll = msToSamples(options.preRollMs ?? 200);
    this.minSpeech = msToSamples(options.minSpeechMs ?? 250);
    if (this.maxSegment <= this.overlap + CUT_SEARCH_SAMPLES) {
      throw new RangeError('maxSegmentSeconds must exceed overlapSeconds + 2 s');
    }
  }

  push(chunk: Float32Array): SegmenterEvent[] {
    if (this.ended) throw new Error('SpeechSegmenter: push() after end()');
    this.history.append(chunk);
    const events: SegmenterEvent[] = [];
    while (this.history.end - this.processedEnd >= FRAME_SAMPLES) {
      this.processFrame(events);
    }
    const segment = this.segment;
    if (
      segment &&
      this.processedEnd - segment.lastPartialAt >= this.partialInterval &&
      this.speechSamples(segment.novelStart, this.processedEnd) >= this.minSpeech &&
      // A pause within the segment adds no words: the next partial waits for speech (the final follows a long pause).
      this.speechSamples(segment.lastPartialAt, this.processedEnd) > 0
    ) {
      segment.lastPartialAt = this.processedEnd;
      events.push({
        type: 'partial',
        segmentId: this.idOf(segment),
        audio: this.history.slice(segment.start, this.processedEnd),
        startSample: segment.start,
        overlapSamples: segment.novelStart - segment.start,
      });
    }
    return events;
  }

  /** Closes the open segment, including any samples that did not fill a whole frame. */
  end(): SegmenterEvent[] {
    if (this.ended) return [];
    this.ended = true;
    const events: SegmenterEvent[] = [];
    if (this.segment) {
      this.finishSegment(Math.min(this.history.end, this.lastSpeechEnd + TRAILING_PAD_SAMPLES), events);
    }
    return events;
  }

  private processFrame(events: SegmenterEvent[]): void {
    const start = this.processedEnd;
    const end = start + FRAME_SAMPLES;
    this.processedEnd = end;
    const rms = this.history.rms(start, end);
    this.noiseWindow.push(rms);
    if (this.noiseWindow.length > NOISE_WINDOW_FRAMES) this.noiseWindow.shift();
    const noiseFloor = Math.min(...this.noiseWindow);
    const speech = rms > Math.max(noiseFloor * SPEECH_TO_NOISE_RATIO, MIN_SPEECH_RMS);
    this.frames.push({ start, rms, speech });

    if (speech) {
      this.firstSpeechSample ??= start;
      this.silenceRun = 0;
      this.lastSpeechEnd = end;
    } else {
      this.silenceRun += FRAME_SAMPLES;
    }

    const segment = this.segment;
    if (!segment) {
      if (speech) {
        const segmentStart = Math.max(start - this.preRoll, this.history.start);
        this.segment = { id: undefined, start: segmentStart, novelStart: segmentStart, lastPartialAt: segmentStart };
      } else {
        this.discardBefore(end - this.preRoll);
      }
    } else if (this.silenceRun >= this.minSilence) {
      this.finishSegment(Math.min(end, this.lastSpeechEnd + TRAILING_PAD_SAMPLES), events);
    } else if (end - segment.start >= this.maxSegment) {
      this.cutSegment(segment, end, events);
    }
  }

  /**
   * Emits the open segment as final unless it holds too little speech, then forgets audio
   * before `keepAudioFrom` (only if emitted: a dropped segment's audio is never repeated).
   */
  private finishSegment(endSample: number, events: SegmenterEvent[], keepAudioFrom = endSample): boolean {
    const segment = this.segment!;
    this.segment = undefined;
    // Once a partial went out, the consumer expects a final for that id.
    const emitted = segment.id !== undefined || this.speechSamples(segment.novelStart, endSample) >= this.minSpeech;
    if (emitted) {
      events.push({
        type: 'final',
        segmentId: this.idOf(segment),
        audio: this.history.slice(segment.start, endSample),
        startSample: segment.start,
        endSample,
        overlapSamples: segment.novelStart - segment.start,
      });
    }
    this.discardBefore(emitted ? keepAudioFrom : endSample);
    return emitted;
  }

  /** Splits an over-long segment at its quietest recent frame; the next one overlaps the cut. */
  private cutSegment(segment: OpenSegment, position: number, events: SegmenterEvent[]): void {
    let quietest: Frame | undefined;
    for (const frame of this.frames) {
      if (frame.start >= position - CUT_SEARCH_SAMPLES && (!quietest || frame.rms < quietest.rms)) {
        quietest = frame;
      }
    }
    const cut = quietest!.start + FRAME_SAMPLES / 2;
    const overlapStart = Math.max(cut - this.overlap, segment.start);
    const start = this.finishSegment(cut, events, overlapStart) ? overlapStart : cut;
    this.segment = { id: undefined, start, novelStart: cut, lastPartialAt: cut };
  }

  private speechSamples(from: number, to: number): number {
    let total = 0;
    for (const frame of this.frames) {
      if (frame.speech && frame.start >= from && frame.start < to) total += FRAME_SAMPLES;
    }
    return total;
  }

  private idOf(segment: OpenSegment): number {
    segment.id ??= this.nextSegmentId++;
    return segment.id;
  }

  private discardBefore(position: number): void {
    if (position <= this.history.start) return;
    this.history.discardBefore(position);
    this.frames = this.frames.filter((frame) => frame.start >= position);
  }
}

/** Growable sample buffer addressed by absolute stream position. */
class SampleHistory {
  private data = new Float32Array(SAMPLE_RATE * 4);
  private length = 0;
  /** Absolute position of `data[0]`. */
  start = 0;

  get end(): number {
    return this.start + this.length;
  }

  append(samples: Float32Array): void {
    if (this.length + samples.length > this.data.length) {
      const grown = new Float32Array(Math.max(this.data.length * 2, this.length + samples.length));
      grown.set(this.data.subarray(0, this.length));
      this.data = grown;
    }
    this.data.set(samples, this.length);
    this.length += samples.length;
  }

  slice(from: number, to: number): Float32Array {
    return this.data.slice(from - this.start, to - this.start);
  }

  rms(from: number, to: number): number {
    let sumOfSquares = 0;
    for (let i = from - this.start; i < to - this.start; i++) sumOfSquares += this.data[i]! * this.data[i]!;
    return Math.sqrt(sumOfSquares / (to - from));
  }

  discardBefore(position: number): void {
    const drop = Math.min(position - this.start, this.length);
    this.data.copyWithin(0, drop, this.length);
    this.length -= drop;
    this.start += drop;
  }
}
