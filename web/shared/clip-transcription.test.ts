import { describe, expect, it } from 'vitest';
import type { TranscriptEvent } from './asr-protocol.ts';
import { transcribeSegments } from './clip-transcription.ts';
import type { FinalSegmentEvent } from './segmenter.ts';

const segment = (segmentId: number, seconds: number, overlapSamples = 0): FinalSegmentEvent => ({
  type: 'final', segmentId, audio: new Float32Array(seconds * 16_000).fill(segmentId), startSample: segmentId * 160_000, endSample: segmentId * 160_000 + seconds * 16_000, overlapSamples,
});

describe('transcribeSegments', () => {
  it('recognises segments in batches and emits their finals in order', async () => {
    const batches: number[][] = [];
    const events: TranscriptEvent[] = [];
    let clock = 0;
    const summary = await transcribeSegments(
      [segment(0, 2), segment(1, 1, 16_000), segment(2, 3)],
      async (audios) => {
        batches.push(audios.map((audio) => audio[0]!));
        clock += 1500;
        return audios.map((audio) => ({ text: ` text ${audio[0]} ` }));
      },
      2,
      (event) => void events.push(event),
      () => clock,
    );
    expect(batches).toEqual([[0, 1], [2]]);
    expect(events.map((e) => [e.segmentId, e.text, e.startSeconds, e.overlapSeconds])).toEqual([[0, 'text 0', 0, 0], [1, 'text 1', 10, 1], [2, 'text 2', 20, 0]]);
    expect(events.map((e) => e.realTimeFactor)).toEqual([0.5, 0.5, 0.5]);
    expect(summary).toEqual({ audioSeconds: 5, computeSeconds: 3, segments: 3 });
  });

  it('refuses a batch size that is not a positive whole number', async () => {
    await expect(transcribeSegments([], async () => [], 0, () => {})).rejects.toThrow(/positive whole number/);
  });
});
