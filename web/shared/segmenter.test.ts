import { describe, it, expect } from 'vitest';
import {
  SpeechSegmenter,
  type FinalSegmentEvent,
  type PartialSegmentEvent,
  type SegmenterEvent,
  type SegmenterOptions,
} from './segmenter.ts';

const RATE = 16_000;
const FRAME = 480;

type Section = { kind: 'speech' | 'pause'; seconds: number };

/** Random generator with a fixed seed, so failures are reproducible. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * "Speech" is noise with a 3 Hz syllable-like envelope; a pause is near-silent noise
 * (optionally over a constant background). Returns the signal and each section's range.
 */
function synthesize(sections: Section[], background = 0): { signal: Float32Array; ranges: [number, number][] } {
  const random = seededRandom(42);
  const total = sections.reduce((sum, section) => sum + Math.round(section.seconds * RATE), 0);
  const signal = new Float32Array(total);
  const ranges: [number, number][] = [];
  let position = 0;
  for (const section of sections) {
    const end = position + Math.round(section.seconds * RATE);
    for (let i = position; i < end; i++) {
      const noise = random() * 2 - 1;
      const envelope = 0.1 + 0.9 * Math.abs(Math.sin((2 * Math.PI * 3 * i) / RATE));
      signal[i] = noise * (1e-4 + background + (section.kind === 'speech' ? 0.2 * envelope : 0));
    }
    ranges.push([position, end]);
    position = end;
  }
  return { signal, ranges };
}

function run(signal: Float32Array, chunkSizes: number[] = [1_600], options?: SegmenterOptions): SegmenterEvent[] {
  const segmenter = new SpeechSegmenter(options);
  const events: SegmenterEvent[] = [];
  for (let offset = 0, i = 0; offset < signal.length; i++) {
    const size = chunkSizes[i % chunkSizes.length]!;
    events.push(...segmenter.push(signal.subarray(offset, offset + size)));
    offset += size;
  }
  events.push(...segmenter.end());
  return events;
}

const finals = (events: SegmenterEvent[]): FinalSegmentEvent[] =>
  events.filter((event): event is FinalSegmentEvent => event.type === 'final');
const partials = (events: SegmenterEvent[]): PartialSegmentEvent[] =>
  events.filter((event): event is PartialSegmentEvent => event.type === 'partial');

function expectAudioMatchesSignal(event: SegmenterEvent, signal: Float32Array): void {
  const end = event.type === 'final' ? event.endSample : event.startSample + event.audio.length;
  const expected = signal.subarray(event.startSample, end);
  expect(event.audio.length).toBe(expected.length);
  expect(event.audio.findIndex((sample, i) => sample !== expected[i])).toBe(-1); // toEqual is slow on long arrays
}

describe('SpeechSegmenter', () => {
  it('finds each utterance with pre-roll before onset and a short tail after it', () => {
    const { signal, ranges } = synthesize([
      { kind: 'pause', seconds: 1 },
      { kind: 'speech', seconds: 1.5 },
      { kind: 'pause', seconds: 1.5 },
      { kind: 'speech', seconds: 1 },
      { kind: 'pause', seconds: 1.5 },
    ]);
    const segments = finals(run(signal));

    expect(segments.map((segment) => segment.segmentId)).toEqual([0, 1]);
    for (const [index, segment] of segments.entries()) {
      const [speechStart, speechEnd] = ranges[index * 2 + 1]!;
      expect(Math.abs(segment.startSample - (speechStart - 0.2 * RATE))).toBeLessThanOrEqual(FRAME);
      expect(Math.abs(segment.endSample - (speechEnd + 0.3 * RATE))).toBeLessThanOrEqual(FRAME);
      expect(segment.overlapSamples).toBe(0);
      expectAudioMatchesSignal(segment, signal);
    }
  });

  it('records where the first voiced frame starts (speech onset)', () => {
    const { signal, ranges } = synthesize([{ kind: 'pause', seconds: 1 }, { kind: 'speech', seconds: 1 }, { kind: 'pause', seconds: 1 }]);
    const segmenter = new SpeechSegmenter();
    segmenter.push(signal.subarray(0, RATE / 2));
    expect(segmenter.firstSpeechSample).toBeUndefined();
    segmenter.push(signal.subarray(RATE / 2));
    expect(Math.abs(segmenter.firstSpeechSample! - ranges[1]![0])).toBeLessThanOrEqual(FRAME);
  });

  it('keeps an utterance together across pauses shorter than minSilenceMs', () => {
    const { signal } = synthesize([
      { kind: 'pause', seconds: 0.5 },
      { kind: 'speech', seconds: 1 },
      { kind: 'pause', seconds: 0.35 },
      { kind: 'speech', seconds: 1 },
      { kind: 'pause', seconds: 1 },
    ]);
    expect(finals(run(signal))).toHaveLength(1);
    expect(finals(run(signal, [1_600], { minSilenceMs: 300 }))).toHaveLength(2);
  });

  it('drops short noise bursts without using up segment ids', () => {
    const { signal } = synthesize([
      { kind: 'pause', seconds: 1 },
      { kind: 'speech', seconds: 0.12 },
      { kind: 'pause', seconds: 1 },
      { kind: 'speech', seconds: 1 },
      { kind: 'pause', seconds: 1 },
    ]);
    const events = run(signal);
    expect(events.every((event) => event.segmentId === 0 && event.startSample > 1.5 * RATE)).toBe(true);
    expect(finals(events)).toHaveLength(1);
  });

  it('adapts to constant background noise', () => {
    const { signal } = synthesize(
      [
        { kind: 'pause', seconds: 2 },
        { kind: 'speech', seconds: 1 },
        { kind: 'pause', seconds: 1 },
        { kind: 'speech', seconds: 1 },
        { kind: 'pause', seconds: 2 },
      ],
      0.01,
    );
    expect(finals(run(signal))).toHaveLength(2);
  });

  it('emits no partial for audio since the last one that holds no speech (a pause within the segment)', () => {
    // Pauses of 450 ms stay under the 500 ms that closes a segment; partials every 200 ms would fall in them.
    const sections: Section[] = [{ kind: 'pause', seconds: 0.5 }];
    for (let i = 0; i < 4; i++) sections.push({ kind: 'speech', seconds: 1 }, { kind: 'pause', seconds: 0.45 });
    const { signal, ranges } = synthesize(sections);
    const events = run(signal, [1_600], { partialIntervalSamples: 3_200 });
    expect(finals(events)).toHaveLength(1);
    const speechRanges = ranges.filter((_, i) => sections[i]!.kind === 'speech');
    const holdsSpeech = (from: number, to: number) => speechRanges.some(([start, end]) => start < to && end > from);
    const updates = partials(events);
    expect(updates.length).toBeGreaterThan(4);
    updates.forEach((update, index) => {
      const previousEnd = index === 0 ? 0 : updates[index - 1]!.audio.length;
      expect(holdsSpeech(update.startSample + previousEnd, update.startSample + update.audio.length)).toBe(true);
    });
  });

  it('emits partials of the whole open segment at most once per second of new audio', () => {
    const { signal } = synthesize([
      { kind: 'pause', seconds: 0.5 },
      { kind: 'speech', seconds: 5 },
      { kind: 'pause', seconds: 1 },
    ]);
    const events = run(signal, [320, 1_000, 2_400]);
    const updates = partials(events);
    const [segment] = finals(events);

    expect(updates.length).toBeGreaterThanOrEqual(4);
    expect(updates.length).toBeLessThanOrEqual(6);
    expect(events.at(-1)).toBe(segment);
    for (const [index, update] of updates.entries()) {
      expect(update.segmentId).toBe(segment!.segmentId);
      expect(update.startSample).toBe(segment!.startSample);
      expect(update.overlapSamples).toBe(0);
      expectAudioMatchesSignal(update, signal);
      const previousLength = index === 0 ? 0 : updates[index - 1]!.audio.length;
      expect(update.audio.length - previousLength).toBeGreaterThanOrEqual(RATE);
    }
  });

  it('cuts long speech at the quietest frame and overlaps the next segment by 1 s', () => {
    const { signal, ranges } = synthesize([
      { kind: 'pause', seconds: 0.5 },
      { kind: 'speech', seconds: 18.5 },
      { kind: 'pause', seconds: 0.06 }, // a gap between words, far shorter than minSilenceMs
      { kind: 'speech', seconds: 18 },
      { kind: 'pause', seconds: 0.06 },
      { kind: 'speech', seconds: 8 },
      { kind: 'pause', seconds: 1 },
    ]);
    const segments = finals(run(signal));
    const gaps = [ranges[2]!, ranges[4]!];

    expect(segments.map((segment) => segment.segmentId)).toEqual([0, 1, 2]);
    for (const [index, segment] of segments.entries()) {
      expect(segment.endSample - segment.startSample).toBeLessThanOrEqual(20 * RATE);
      expectAudioMatchesSignal(segment, signal);
      if (index < gaps.length) {
        const [gapStart, gapEnd] = gaps[index]!;
        expect(segment.endSample).toBeGreaterThan(gapStart);
        expect(segment.endSample).toBeLessThan(gapEnd);
      }
      if (index > 0) {
        expect(segment.overlapSamples).toBe(RATE);
        expect(segment.startSample).toBe(segments[index - 1]!.endSample - RATE);
      } else {
        expect(segment.overlapSamples).toBe(0);
      }
    }
  });

  it('flushes the open segment on end(), including samples short of a whole frame', () => {
    const { signal } = synthesize([
      { kind: 'pause', seconds: 0.5 },
      { kind: 'speech', seconds: 2.01 },
    ]);
    const segmenter = new SpeechSegmenter();
    const pushed = partials(segmenter.push(signal));
    const [segment, ...rest] = segmenter.end();

    expect(rest).toEqual([]);
    expect(segment).toMatchObject({ type: 'final', segmentId: pushed[0]!.segmentId, endSample: signal.length });
    expectAudioMatchesSignal(segment!, signal);
    expect(segmenter.end()).toEqual([]);
    expect(() => segmenter.push(signal)).toThrow();
  });

  it('finds the same segments whatever the chunk sizes', () => {
    const { signal } = synthesize([
      { kind: 'pause', seconds: 0.7 },
      { kind: 'speech', seconds: 2 },
      { kind: 'pause', seconds: 0.8 },
      { kind: 'speech', seconds: 23 },
      { kind: 'pause', seconds: 0.6 },
    ]);
    const boundaries = (events: SegmenterEvent[]) =>
      finals(events).map(({ segmentId, startSample, endSample, overlapSamples }) => [
        segmentId,
        startSample,
        endSample,
        overlapSamples,
      ]);
    const reference = boundaries(run(signal, [signal.length]));

    expect(reference).toHaveLength(3);
    expect(boundaries(run(signal, [1, 479, 4_096, 7_777]))).toEqual(reference);
  });

  it('rejects a maximum segment length that leaves no room for the overlap and cut search', () => {
    expect(() => new SpeechSegmenter({ maxSegmentSeconds: 3, overlapSeconds: 1 })).toThrow(RangeError);
  });
});
