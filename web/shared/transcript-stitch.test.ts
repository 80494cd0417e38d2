import { describe, it, expect } from 'vitest';
import { mergeOverlappingText, TranscriptBuilder } from './transcript-stitch.ts';

describe('mergeOverlappingText', () => {
  it('removes the words repeated at the seam', () => {
    expect(mergeOverlappingText('we went down to the river', 'to the river and swam')).toBe('and swam');
  });

  it('prefers the longest repeated run', () => {
    expect(mergeOverlappingText('it is what it is', 'what it is, really')).toBe('really');
    expect(mergeOverlappingText('yes, yes', 'yes yes indeed')).toBe('indeed');
  });

  it('compares without case and punctuation', () => {
    expect(mergeOverlappingText('And then, we Left.', 'we left the house')).toBe('the house');
    expect(mergeOverlappingText("Ça va, d'accord.", "D'accord — on y va")).toBe('— on y va');
  });

  it('keeps everything when nothing repeats', () => {
    expect(mergeOverlappingText('the first part', '  a second   part  ')).toBe('a second part');
    expect(mergeOverlappingText('', 'hello')).toBe('hello');
    expect(mergeOverlappingText('hello', '')).toBe('');
  });

  it('only removes a run at the very start of the next text', () => {
    expect(mergeOverlappingText('see the river', 'the boat on the river')).toBe('the boat on the river');
  });

  it('looks at most 8 words back', () => {
    const words = 'one two three four five six seven eight nine';
    expect(mergeOverlappingText(words, `${words} ten`)).toBe(`${words} ten`);
    expect(mergeOverlappingText(words, 'two three four five six seven eight nine ten')).toBe('ten');
  });
});

describe('TranscriptBuilder', () => {
  it('joins finals and the open partial, replacing the partial by its final', () => {
    const transcript = new TranscriptBuilder();
    transcript.setPartial(0, 'hello wor');
    expect(transcript.text()).toBe('hello wor');
    transcript.finalize(0, ' Hello world. ', 0, 32_000, 0);
    expect(transcript.text()).toBe('Hello world.');
    transcript.setPartial(1, 'how are');
    expect(transcript.text()).toBe('Hello world. how are');
    transcript.finalize(1, 'How are you?', 40_000, 64_000, 0);
    expect(transcript.text()).toBe('Hello world. How are you?');
    expect(transcript.segments()).toEqual([
      { id: 0, startSample: 0, endSample: 32_000, text: 'Hello world.' },
      { id: 1, startSample: 40_000, endSample: 64_000, text: 'How are you?' },
    ]);
  });

  it('merges overlapping segments without losing or repeating words', () => {
    const transcript = new TranscriptBuilder();
    transcript.finalize(0, 'The quick brown fox jumps', 0, 320_000, 0);
    transcript.setPartial(1, 'Fox jumps over', 16_000);
    expect(transcript.text()).toBe('The quick brown fox jumps over');
    transcript.finalize(1, 'fox, jumps over the lazy dog', 304_000, 400_000, 16_000);
    expect(transcript.text()).toBe('The quick brown fox jumps over the lazy dog');
    expect(transcript.segments()[1]!.text).toBe('over the lazy dog');
  });

  it('does not merge segments that did not overlap', () => {
    const transcript = new TranscriptBuilder();
    transcript.finalize(0, 'no no', 0, 16_000, 0);
    transcript.finalize(1, 'no no no', 40_000, 60_000, 0);
    expect(transcript.text()).toBe('no no no no no');
  });

  it('stitches a partial against the segment it overlaps once that one is final', () => {
    const transcript = new TranscriptBuilder();
    transcript.finalize(0, 'first', 0, 16_000, 0);
    transcript.setPartial(2, 'second part goes on', 16_000);
    expect(transcript.text()).toBe('first second part goes on');
    transcript.finalize(1, 'and the second part', 30_000, 350_000, 0);
    expect(transcript.text()).toBe('first and the second part goes on');
  });

  it('ignores a late partial for a segment that is already final', () => {
    const transcript = new TranscriptBuilder();
    transcript.finalize(0, 'done', 0, 16_000, 0);
    transcript.setPartial(0, 'do');
    expect(transcript.text()).toBe('done');
  });

  it('skips segments recognized as empty', () => {
    const transcript = new TranscriptBuilder();
    transcript.finalize(0, 'one', 0, 16_000, 0);
    transcript.finalize(1, '  ', 20_000, 30_000, 0);
    transcript.finalize(2, 'two', 40_000, 50_000, 0);
    expect(transcript.text()).toBe('one two');
  });

  it('keeps final and partial text apart for display', () => {
    const transcript = new TranscriptBuilder();
    transcript.finalize(0, 'one', 0, 16_000, 0);
    transcript.setPartial(1, 'two thr');
    expect([transcript.finalText(), transcript.partialText()]).toEqual(['one', 'two thr']);
    expect(transcript.text()).toBe('one two thr');
  });

  it('splits the live text into committed and tentative words, also where stitching drops repeated words', () => {
    const transcript = new TranscriptBuilder();
    expect(transcript.partialParts()).toEqual({ committed: '', tentative: '' });
    transcript.setPartial(0, 'The quick brown', 0, 'The quick');
    expect(transcript.partialParts()).toEqual({ committed: 'The quick', tentative: 'brown' });
    transcript.finalize(0, 'The quick brown fox jumps', 0, 320_000, 0);
    transcript.setPartial(1, 'Fox jumps over the', 16_000, 'Fox jumps over');
    expect(transcript.partialParts()).toEqual({ committed: 'over', tentative: 'the' });
    transcript.setPartial(1, 'Fox jumps', 16_000, 'Fox');
    expect(transcript.partialParts()).toEqual({ committed: '', tentative: '' });
    transcript.setPartial(1, 'Fox jumps over', 16_000);
    expect(transcript.partialParts()).toEqual({ committed: '', tentative: 'over' });
  });
});
