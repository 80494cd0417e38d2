import { describe, expect, it } from 'vitest';
import type { TranscriptEvent } from './asr-protocol.ts';
import type { SegmenterEvent } from './segmenter.ts';
import { TranscriptionScheduler, type RecognitionPurpose } from './transcription-scheduler.ts';

const audio = (seconds: number, marker: number) => new Float32Array(seconds * 16_000).fill(marker);
const partial = (segmentId: number, marker: number): SegmenterEvent => ({ type: 'partial', segmentId, audio: audio(1, marker), startSample: 0, overlapSamples: 0 });
const final = (segmentId: number, marker: number, overlapSamples = 0): SegmenterEvent => ({
  type: 'final', segmentId, audio: audio(2, marker), startSample: segmentId * 32_000, endSample: (segmentId + 1) * 32_000, overlapSamples,
});

/** Partials unpaced (share 1), so these tests see the dropping of stale ones alone. */
function setup(delayMs = 5) {
  const events: TranscriptEvent[] = [];
  const recognised: number[] = [];
  const scheduler = new TranscriptionScheduler(async (samples) => {
    recognised.push(samples[0]!);
    await new Promise((r) => setTimeout(r, delayMs));
    return { text: ` text ${samples[0]} ` };
  }, (e) => void events.push(e), undefined, { partialShare: 1 });
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

  it('recognises a final handled in the same task as a drain that ended at once (on a stale partial)', async () => {
    const { scheduler, events } = setup(0);
    scheduler.handle(final(0, 1));
    await scheduler.idle();
    scheduler.handle(partial(0, 2)); // stale: its segment is final, so the drain ends at once
    scheduler.handle(final(1, 3));
    await scheduler.idle();
    expect(events.filter((e) => e.type === 'final').map((e) => e.text)).toEqual(['text 1', 'text 3']);
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
    }, (e) => void events.push(e), undefined, { now: () => clock });
    scheduler.handle(final(1, 1, 16_000));
    const summary = await scheduler.idle();
    expect(events[0]).toMatchObject({ startSeconds: 2, endSeconds: 4, overlapSeconds: 1, realTimeFactor: 0.25 });
    expect(summary).toEqual({ audioSeconds: 1, computeSeconds: 0.5, segments: 1 });
    expect(events[0]).not.toHaveProperty('detectedLanguage');
  });

  describe('pacing partials', () => {
    /** A clock and timers the test moves by hand; each recognition takes `costMs` of that clock. */
    function paced(costMs: number) {
      let clock = 0;
      const timers: { at: number; wake: () => void }[] = [];
      const events: TranscriptEvent[] = [];
      const scheduler = new TranscriptionScheduler(
        async (samples) => {
          clock += costMs;
          return { text: `t${samples[0]}` };
        },
        (e) => void events.push(e),
        undefined,
        {
          partialShare: 0.5,
          now: () => clock,
          schedule: (wake, ms) => {
            const timer = { at: clock + ms, wake };
            timers.push(timer);
            return () => timers.splice(timers.indexOf(timer), 1);
          },
        },
      );
      const advance = async (ms: number) => {
        clock += ms;
        for (const due of timers.filter((t) => t.at <= clock)) {
          timers.splice(timers.indexOf(due), 1);
          due.wake();
        }
        await scheduler.idle().catch(() => undefined);
      };
      const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
      return { scheduler, events, timers, advance, settle, texts: () => events.map((e) => `${e.type}:${e.text}`) };
    }

    it('after a partial that took t, holds the next one for t, keeping only the newest', async () => {
      const { scheduler, texts, timers, settle } = paced(400);
      scheduler.handle(partial(0, 1));
      await settle();
      scheduler.handle(partial(0, 2));
      scheduler.handle(partial(0, 3));
      await settle();
      expect(texts()).toEqual(['partial:t1']);
      expect(timers.map((t) => t.at)).toEqual([800]);
    });

    it('runs the held partial once the pause is over', async () => {
      const { scheduler, texts, advance, settle } = paced(400);
      scheduler.handle(partial(0, 1));
      await settle();
      scheduler.handle(partial(0, 2));
      await settle();
      await advance(400);
      await settle();
      expect(texts()).toEqual(['partial:t1', 'partial:t2']);
    });

    it('never holds a final, and a final drops the held partial of its segment', async () => {
      const { scheduler, texts, timers, settle } = paced(400);
      scheduler.handle(partial(0, 1));
      await settle();
      scheduler.handle(partial(0, 2));
      scheduler.handle(final(0, 9));
      await scheduler.idle();
      expect(texts()).toEqual(['partial:t1', 'final:t9']);
      expect(timers).toEqual([]);
    });
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

  it('marks the words consecutive partials of a segment agree on as committed, afresh for each segment', async () => {
    const hypotheses = ['ask not', 'ask not what', 'ask not what your', 'and so'];
    const events: TranscriptEvent[] = [];
    const scheduler = new TranscriptionScheduler(async () => ({ text: hypotheses.shift()! }), (e) => void events.push(e), undefined, { partialShare: 1 });
    for (const [segmentId, marker] of [[0, 1], [0, 2], [0, 3], [1, 4]] as const) {
      scheduler.handle(partial(segmentId, marker));
      await scheduler.idle();
    }
    expect(events.map((e) => e.committedText)).toEqual(['', 'ask not', 'ask not what', '']);
  });

  it('tells the recogniser what each recognition is for, with the words committed before a partial', async () => {
    const hypotheses = ['ask not', 'ask not what', 'ask not what your', 'ask not what your country', 'and so'];
    const purposes: RecognitionPurpose[] = [];
    const scheduler = new TranscriptionScheduler(async (_, purpose) => {
      purposes.push(purpose);
      return { text: hypotheses.shift()! };
    }, () => {}, undefined, { partialShare: 1 });
    for (const event of [partial(0, 1), partial(0, 2), partial(0, 3), final(0, 4), partial(1, 5)]) {
      scheduler.handle(event);
      await scheduler.idle();
    }
    expect(purposes).toEqual([
      { type: 'partial', segmentId: 0, committedText: '' },
      { type: 'partial', segmentId: 0, committedText: '' },
      { type: 'partial', segmentId: 0, committedText: 'ask not' },
      { type: 'final', segmentId: 0 },
      { type: 'partial', segmentId: 1, committedText: '' },
    ]);
  });
});
