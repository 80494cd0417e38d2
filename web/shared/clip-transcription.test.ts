import { describe, expect, it } from 'vitest';
import type { TranscriptEvent } from './asr-protocol.ts';
import { planFileLanes, transcribeSegments, type RecogniseBatch } from './clip-transcription.ts';
import type { FinalSegmentEvent } from './segmenter.ts';

const segment = (segmentId: number, seconds: number, overlapSamples = 0): FinalSegmentEvent => ({
  type: 'final', segmentId, audio: new Float32Array(seconds * 16_000).fill(segmentId), startSample: segmentId * 160_000, endSample: segmentId * 160_000 + seconds * 16_000, overlapSamples,
});

const textOf = (audio: Float32Array) => ({ text: ` text ${audio[0]} ` });

describe('transcribeSegments', () => {
  it('recognises segments in batches and emits their finals in order', async () => {
    const batches: number[][] = [];
    const events: TranscriptEvent[] = [];
    let clock = 0;
    const summary = await transcribeSegments(
      [segment(0, 2), segment(1, 1, 16_000), segment(2, 3)],
      [
        async (audios) => {
          batches.push(audios.map((audio) => audio[0]!));
          clock += 1500;
          return audios.map(textOf);
        },
      ],
      2,
      (event) => void events.push(event),
      () => clock,
    );
    expect(batches).toEqual([[0, 1], [2]]);
    expect(events.map((e) => [e.segmentId, e.text, e.startSeconds, e.overlapSeconds])).toEqual([[0, 'text 0', 0, 0], [1, 'text 1', 10, 1], [2, 'text 2', 20, 0]]);
    expect(events.map((e) => e.realTimeFactor)).toEqual([0.5, 0.5, 0.5]);
    expect(summary).toEqual({ audioSeconds: 5, computeSeconds: 3, segments: 3 });
  });

  it('spreads batches over lanes that run at once, emits in order whichever lane finishes first, and charges the elapsed time', async () => {
    let clock = 0;
    const slow: number[] = [];
    const fast: number[] = [];
    let releaseSlow = () => {};
    const slowDone = new Promise<void>((resolve) => (releaseSlow = resolve));
    const events: TranscriptEvent[] = [];
    const summary = await transcribeSegments(
      [0, 1, 2, 3, 4].map((id) => segment(id, 1)),
      [
        // Holds segment 0 until the other lane has done the rest, then reports 6 s.
        async (audios) => {
          slow.push(audios[0]![0]!);
          await slowDone;
          clock = 6000;
          return audios.map(textOf);
        },
        async (audios) => {
          fast.push(audios[0]![0]!);
          clock += 1000;
          if (fast.length === 4) setTimeout(releaseSlow, 0);
          return audios.map(textOf);
        },
      ],
      1,
      (event) => void events.push(event),
      () => clock,
    );
    expect(slow).toEqual([0]);
    expect(fast).toEqual([1, 2, 3, 4]);
    expect(events.map((e) => [e.segmentId, e.text])).toEqual([0, 1, 2, 3, 4].map((id) => [id, `text ${id}`]));
    // Elapsed, not summed: 6 s, not the 10 s of lane time.
    expect(summary.computeSeconds).toBe(6);
    expect(events.reduce((sum, e) => sum + e.realTimeFactor, 0)).toBeCloseTo(6, 9);
  });

  it('stops handing out batches after a lane fails, and reports its error', async () => {
    const taken: number[] = [];
    const failing: RecogniseBatch = async () => {
      throw new Error('out of memory');
    };
    const events: TranscriptEvent[] = [];
    const run = transcribeSegments([0, 1, 2, 3].map((id) => segment(id, 1)), [
        failing,
        async (audios) => {
          taken.push(audios[0]![0]!);
          await new Promise((resolve) => setTimeout(resolve, 10));
          return audios.map(textOf);
        },
      ], 1, (event) => void events.push(event));
    await expect(run).rejects.toThrow('out of memory');
    expect(taken).toEqual([1]);
  });

  it('refuses a batch size that is not a positive whole number, and no lanes', async () => {
    await expect(transcribeSegments([], [async () => []], 0, () => {})).rejects.toThrow(/positive whole number/);
    await expect(transcribeSegments([], [], 1, () => {})).rejects.toThrow(/At least one recogniser/);
  });
});

describe('planFileLanes', () => {
  it('splits WebAssembly threads into at most two single-model lanes, and leaves WebGPU and one thread to one recogniser', () => {
    expect(planFileLanes('wasm', 2)).toEqual({ lanes: 2, threadsPerLane: 1 });
    expect(planFileLanes('wasm', 7)).toEqual({ lanes: 2, threadsPerLane: 3 });
    expect(planFileLanes('wasm', 1)).toBeUndefined();
    expect(planFileLanes('webgpu', 0)).toBeUndefined();
  });
});
