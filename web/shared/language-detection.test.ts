import { describe, expect, it } from 'vitest';
import { pickLanguage } from './language-detection.ts';

const tokens = { '<|en|>': 3, '<|de|>': 4, '<|fr|>': 5 };

describe('pickLanguage', () => {
  it('picks the candidate whose language token has the highest logit, with its softmax probability among the candidates', () => {
    const logits = [9, 9, 9, 1, Math.log(3) + 1, 1];
    const detected = pickLanguage(logits, tokens, ['en', 'de', 'fr']);
    expect(detected.code).toBe('de');
    expect(detected.probability).toBeCloseTo(3 / 5, 10);
  });

  it('ignores tokens that are not candidates, however high their logit', () => {
    expect(pickLanguage([0, 0, 0, 50, 2, 1], tokens, ['de', 'fr']).code).toBe('de');
  });

  it('gives probability 1 to a single candidate', () => {
    expect(pickLanguage([0, 0, 0, 5, -3, 2], tokens, ['fr'])).toEqual({ code: 'fr', probability: 1 });
  });

  it('stays finite for very large or very negative logits (a suppressed token still ranks)', () => {
    const detected = pickLanguage([0, 0, 0, -1e4 + 2, -1e4 + 1, 1e30], tokens, ['en', 'de']);
    expect(detected.code).toBe('en');
    expect(detected.probability).toBeCloseTo(Math.E / (Math.E + 1), 10);
  });

  it('keeps the first candidate on a tie', () => {
    expect(pickLanguage([0, 0, 0, 1, 1, 1], tokens, ['fr', 'en']).code).toBe('fr');
  });

  it('skips candidates the model has no token for, and says so when none is left', () => {
    expect(pickLanguage([0, 0, 0, 1, 2, 3], tokens, ['xx', 'en']).code).toBe('en');
    expect(() => pickLanguage([0, 0, 0], tokens, ['xx', 'yy'])).toThrow(/no token for any of the languages to detect \(xx, yy\)/);
    expect(() => pickLanguage([0, 0, 0], tokens, [])).toThrow(/none given/);
  });
});
