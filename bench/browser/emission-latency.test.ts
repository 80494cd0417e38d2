import { describe, expect, it } from 'vitest';
import { firstTextAfterOnset, wordEmissionLatencies, type ShownText } from './emission-latency.ts';

const shown = (atSeconds: number, type: ShownText['type'], segmentId: number, text: string, startSeconds = 0, endSeconds = 4): ShownText => ({ atSeconds, type, segmentId, text, startSeconds, endSeconds });

describe('wordEmissionLatencies', () => {
  it('times each word of a final from its share of the segment to the first text that holds it', () => {
    const events = [shown(1.5, 'partial', 0, 'ask not', 0, 1), shown(2.5, 'partial', 0, 'ask not what your', 0, 2), shown(4.5, 'final', 0, 'ask not what your')];
    // Words end at 1, 2, 3 and 4 s.
    expect(wordEmissionLatencies(events, 1)).toEqual([0.5, -0.5, -0.5, -1.5]);
  });

  it('scales audio time by the feeding pace and keeps segments apart', () => {
    const events = [shown(3, 'final', 0, 'one', 0, 2), shown(3, 'partial', 1, 'zwei drei', 2, 4), shown(5, 'final', 1, 'two three', 2, 4)];
    expect(wordEmissionLatencies(events, 2)).toEqual([2, 1.5, 1]);
  });
});

describe('firstTextAfterOnset', () => {
  it('skips empty texts and counts from the onset at the feeding pace', () => {
    expect(firstTextAfterOnset([shown(1, 'partial', 0, ' '), shown(1.25, 'partial', 0, 'hi')], 0.5, 1)).toBe(0.75);
    expect(firstTextAfterOnset([shown(1, 'partial', 0, 'hi')], 1, 2)).toBe(0.5);
    expect(firstTextAfterOnset([], 1, 1)).toBeNull();
  });
});
