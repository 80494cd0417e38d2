import { describe, expect, it } from 'vitest';
import { errorRate, normaliseWords, wordErrorRate, wordErrors } from './wer.ts';

describe('normaliseWords', () => {
  it('lowercases and strips punctuation', () => {
    expect(normaliseWords('And so, my fellow Americans: ask not!')).toEqual(['and', 'so', 'my', 'fellow', 'americans', 'ask', 'not']);
  });

  it('keeps apostrophised words whole and ignores extra whitespace', () => {
    expect(normaliseWords("  Lord, but I'm glad\tto see   the neighbor's  ")).toEqual(['lord', 'but', 'im', 'glad', 'to', 'see', 'the', 'neighbors']);
  });

  it('drops tokens that are only punctuation', () => {
    expect(normaliseWords('Steels - etc. …')).toEqual(['steels', 'etc']);
  });
});

describe('wordErrors', () => {
  it('is zero for the same words in another case and punctuation', () => {
    expect(wordErrorRate('She had your dark suit in greasy wash water all year.', 'she had your dark suit, in greasy wash water all year')).toBe(0);
  });

  it('counts a substitution', () => {
    expect(wordErrors('the cat sat', 'the bat sat')).toEqual({ substitutions: 1, deletions: 0, insertions: 0, referenceWords: 3 });
  });

  it('counts a deletion', () => {
    expect(wordErrors('the cat sat down', 'the cat down')).toEqual({ substitutions: 0, deletions: 1, insertions: 0, referenceWords: 4 });
  });

  it('counts an insertion', () => {
    expect(wordErrors('the cat sat', 'the cat sat sat')).toEqual({ substitutions: 0, deletions: 0, insertions: 1, referenceWords: 3 });
  });

  it('aligns minimally across mixed edits', () => {
    // b→x substituted, d deleted, g inserted: 3 edits, where substituting d→e, e→f, f→g would take 4
    expect(wordErrors('a b c d e f', 'a x c e f g')).toEqual({ substitutions: 1, deletions: 1, insertions: 1, referenceWords: 6 });
    expect(wordErrorRate('a b c d e f', 'a x c e f g')).toBeCloseTo(3 / 6);
  });

  it('can exceed 1 when the hypothesis is much longer', () => {
    expect(wordErrorRate('yes', 'no no no')).toBe(3);
  });

  it('is 1 for an empty hypothesis', () => {
    expect(wordErrorRate('ask not what your country can do', '')).toBe(1);
  });
});

describe('errorRate', () => {
  it('pools edits over utterances (corpus WER), not the mean of rates', () => {
    const errors = [wordErrors('one', 'two'), wordErrors('a b c d e f g h i', 'a b c d e f g h i')];
    expect(errorRate(errors)).toBeCloseTo(1 / 10);
  });

  it('rejects an empty reference', () => {
    expect(() => wordErrorRate(' .. ', 'words')).toThrow(RangeError);
  });
});
