import { describe, expect, it } from 'vitest';
import { BeamSearch, type Beam } from './beam-search.ts';
import { parseGenerationRules } from './generation-rules.ts';

/** Hand-sized cases of the scoring rules; the search itself is checked against a reference on real decoders (continuous-beam-search.test.ts). */

// Vocabulary: 0 end-of-sentence, 1-3 words, 4 the decoder start token (banned, as Marian bans its <pad>).
const rules = parseGenerationRules({ decoder_start_token_id: 4, eos_token_id: 0, forced_eos_token_id: 0, bad_words_ids: [[4]] }, 4);
const logitsOf = (probabilities: number[]) => Float32Array.from(probabilities, (p) => Math.log(p));
const start: Beam = { tokens: [4], score: 0 };

describe('beam search scoring', () => {
  it('scores by log-probability, keeps `width` beams, and finishes a hypothesis on end-of-sentence among the best `width`', () => {
    const search = new BeamSearch(2, rules);
    const first = search.step([start], [logitsOf([0.1, 0.5, 0.3, 0.05, 0.05])]);
    expect(first).toEqual([
      { parent: 0, token: 1, score: expect.closeTo(Math.log(0.5), 6) },
      { parent: 0, token: 2, score: expect.closeTo(Math.log(0.3), 6) },
    ]);
    const beams = first.map((child) => ({ tokens: [4, child.token], score: child.score }));
    // Beam [4, 1] ends best; [4, 2] goes on with its two words.
    const second = search.step(beams, [logitsOf([0.9, 0.04, 0.03, 0.02, 0.01]), logitsOf([0.2, 0.4, 0.3, 0.09, 0.01])]);
    expect(second.map((child) => [child.parent, child.token])).toEqual([
      [1, 1],
      [1, 2],
    ]);
    expect(search.done).toBe(false);
    expect(search.results()).toEqual([{ tokens: [4, 1, 0], score: expect.closeTo((Math.log(0.5) + Math.log(0.9)) / 2, 6) }]);
  });

  it('never offers a banned token, and forces BOS first and EOS at the longest output', () => {
    const bos = new BeamSearch(3, rules, 3);
    expect(bos.step([start], [logitsOf([0.1, 0.5, 0.2, 0.1, 0.1])])).toEqual([{ parent: 0, token: 3, score: 0 }]);
    const banned = new BeamSearch(2, rules).step([start], [logitsOf([0.01, 0.01, 0.01, 0.01, 0.96])]);
    expect(banned.map((child) => child.token)).toEqual([1, 2]);
    const search = new BeamSearch(2, rules);
    const last = search.step([{ tokens: [4, 1, 2, 3], score: -1 }], [logitsOf([0.01, 0.9, 0.03, 0.03, 0.03])]);
    expect(last).toEqual([]);
    expect(search.done).toBe(true);
    expect(search.results()).toEqual([{ tokens: [4, 1, 2, 3, 0], score: -1 / 4 }]);
  });

  it('stops once no open beam can beat the finished ones (early_stopping false), or as soon as `width` finished (true)', () => {
    const twoSteps = (config: Record<string, unknown>) => {
      const search = new BeamSearch(2, parseGenerationRules({ decoder_start_token_id: 4, eos_token_id: 0, ...config }, 8));
      // [4, 0] finishes at log 0.5; then [4, 1, 0] at (log 0.4 + log 0.3) / 2 ≈ -1.06, while [4, 1, 1] goes on at (log 0.4 + log 0.6) / 2 ≈ -0.71.
      const first = search.step([start], [logitsOf([0.5, 0.4, 0.05, 0.04, 0.01])]);
      const beams = first.map((child) => ({ tokens: [4, child.token], score: child.score }));
      const second = search.step(beams, [logitsOf([0.3, 0.6, 0.05, 0.04, 0.01]), logitsOf([0.01, 0.01, 0.01, 0.01, 0.96])]);
      return { search, second };
    };
    const patient = twoSteps({});
    expect(patient.second.map((child) => [child.parent, child.token])).toEqual([
      [0, 1],
      [1, 4],
    ]);
    expect(patient.search.done).toBe(false);
    const eager = twoSteps({ early_stopping: true });
    expect(eager.second).toEqual([]);
    expect(eager.search.results().map((hypothesis) => hypothesis.tokens)).toEqual([
      [4, 0],
      [4, 1, 0],
    ]);
    expect(twoSteps({ early_stopping: 'never' }).search.done).toBe(false);
  });

  it('refuses a width outside 1 to 4, and says when nothing could be finished', () => {
    expect(() => new BeamSearch(5, rules)).toThrow(/beam width must be 1 to 4/);
    expect(() => new BeamSearch(0, rules)).toThrow(RangeError);
    const search = new BeamSearch(2, rules);
    expect(search.step([start], [Float32Array.of(-Infinity, -Infinity, -Infinity, -Infinity, 0)])).toEqual([]);
    expect(() => search.results()).toThrow(/without a hypothesis/);
  });
});
