import { describe, expect, it } from 'vitest';
import type { TranscriptEvent } from './asr-protocol.ts';
import type { SegmenterEvent } from './segmenter.ts';
import { TranscriptionScheduler } from './transcription-scheduler.ts';

const audio = (seconds: number, marker: number) => new Float32Array(seconds * 16_000).fill(marker);
const partial = (segmentId: number, marker: number): SegmenterEvent => ({ type: 'partial', segmentId, audio: audio(1, marker), startSample: 0, overlapSamples: 0 });
const final = (segmentId: number, marker: number, overlapSamples = 0): SegmenterEvent => ({
  type: 'final', segmentId, audio: audio(2, marker), startSample: segmentId * 32_000, endSample: (segmentId + 1) * 32_000, overlapSamples,
});

function setup(delayMs = 5) {
  const events: TranscriptEvent[] = [];
  const recognised: number[] = [];
  const scheduler = new TranscriptionScheduler(async (samples) => {
    recognised.push(samples[0]!);
    await new Promise((r) => setTimeout(r, delayMs));
    return { text: ` text ${samples[0]} ` };
  }, (e) => void events.push(e));
  return { scheduler, events, recognised };
}

describe('TranscriptionScheduler', () => {
  it('recognises every final, in order', async () => {
    const { scheduler, events } = setup();
    [final(0, 1), final(1, 2), final(2, 3)].forEach((e) => scheduler.handle(e));
    const summary = await scheduler.idle();
    expect(events.map((e) => [e.type, e.segmentId, e.text])).toEqual([['final', 0, 'text 1'], ['final', 1, 'text 2'], ['final', 2, 'text 3']]);
    expect(summary.segments).toBe(3);
    expect(summary.audioSeconds).toBeCloseTo(6);
  });

  it('drops stale partials when recognition falls behind', async () => {
    const { scheduler, recognised } = setup(20);
    scheduler.handle(partial(0, 1));
    scheduler.handle(partial(0, 2));
    scheduler.handle(partial(0, 3));
    await scheduler.idle();
    expect(recognised).toEqual([1, 3]);
  });

  it('skips partials of a segment that is already final', async () => {
    const { scheduler, events } = setup(20);
    scheduler.handle(final(0, 1));
    scheduler.handle(partial(0, 2));
    scheduler.handle(final(0, 9));
    await scheduler.idle();
    expect(events.every((e) => e.type === 'final')).toBe(true);
  });

  it('reports timings, overlap and the real-time factor', async () => {
    let clock = 0;
    const events: TranscriptEvent[] = [];
    const scheduler = new TranscriptionScheduler(async () => {
      clock += 500;
      return { text: 'x' };
    }, (e) => void events.push(e), undefined, () => clock);
    scheduler.handle(final(1, 1, 16_000));
    const summary = await scheduler.idle();
    expect(events[0]).toMatchObject({ startSeconds: 2, endSeconds: 4, overlapSeconds: 1, realTimeFactor: 0.25 });
    expect(summary).toEqual({ audioSeconds: 1, computeSeconds: 0.5, segments: 1 });
    expect(events[0]).not.toHaveProperty('detectedLanguage');
  });

  it('passes on the language the model detected for each recognition', async () => {
    const events: TranscriptEvent[] = [];
    const languages = ['de', 'fr'];
    const scheduler = new TranscriptionScheduler(async () => ({ text: 'x', detectedLanguage: { code: languages.shift()!, probability: 0.75 } }), (e) => void events.push(e));
    scheduler.handle(partial(0, 1));
    scheduler.handle(final(0, 1));
    await scheduler.idle();
    expect(events.map((e) => [e.type, e.detectedLanguage])).toEqual([
      ['partial', { code: 'de', probability: 0.75 }],
      ['final', { code: 'fr', probability: 0.75 }],
    ]);
  });

  it('surfaces a recognition error from idle() and keeps working afterwards', async () => {
    let fail = true;
    const events: TranscriptEvent[] = [];
    const errors: unknown[] = [];
    const scheduler = new TranscriptionScheduler(async () => {
      if (fail) throw new Error('model crashed');
      return { text: 'ok' };
    }, (e) => void events.push(e), (e) => errors.push(e));
    scheduler.handle(final(0, 1));
    scheduler.handle(final(1, 1));
    await expect(scheduler.idle()).rejects.toThrow('model crashed');
    expect(errors).toHaveLength(1);
    fail = false;
    const fresh = new TranscriptionScheduler(async () => ({ text: 'ok' }), (e) => void events.push(e));
    fresh.handle(final(1, 1));
    await fresh.idle();
    expect(events).toHaveLength(1);
  });
});
