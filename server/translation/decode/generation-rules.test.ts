import { describe, expect, it } from 'vitest';
import { finished, GenerationConfigError, nextToken, parseGenerationRules } from './generation-rules.ts';

const marian = parseGenerationRules({ bad_words_ids: [[9]], decoder_start_token_id: 9, eos_token_id: 0, forced_eos_token_id: 0, max_length: 512, num_beams: 4, pad_token_id: 9 }, 4);

describe('generation rules', () => {
  it('reads generation_config.json, the pipeline setting the length (1 + max new tokens)', () => {
    expect(marian).toEqual({ decoderStartTokenId: 9, eosTokenId: 0, badWordsIds: [[9]], forcedEosTokenId: 0, maxLength: 5, lengthPenalty: 1, earlyStopping: false });
    expect(parseGenerationRules({ decoder_start_token_id: 2, eos_token_id: 2, length_penalty: 0.6, early_stopping: 'never' })).toMatchObject({ lengthPenalty: 0.6, earlyStopping: 'never' });
    expect(parseGenerationRules({ decoder_start_token_id: 2, eos_token_id: [2, 3] })).toMatchObject({ eosTokenId: 2, maxLength: 257, badWordsIds: [] });
  });

  it('refuses a config it cannot follow, saying why', () => {
    expect(() => parseGenerationRules({ eos_token_id: 0 })).toThrow(/decoder_start_token_id/);
    expect(() => parseGenerationRules({ decoder_start_token_id: 1, eos_token_id: 0, no_repeat_ngram_size: 3 })).toThrow(GenerationConfigError);
  });

  it('takes the first maximum, never a banned token, forcing BOS first and EOS last', () => {
    const logits = Float32Array.of(0, 5, 5, 1, 0, 0, 0, 0, 0, 9);
    expect(nextToken(logits, [9, 4], marian)).toBe(1);
    expect(nextToken(logits, [9], marian, 7)).toBe(7);
    expect(nextToken(logits, [9, 1, 2, 3], marian)).toBe(0);
    const multi = { ...marian, badWordsIds: [[9], [4, 1]] };
    expect(nextToken(logits, [9, 4], multi)).toBe(2);
    expect(nextToken(Float32Array.of(-Infinity, -Infinity), [9], { ...marian, badWordsIds: [] })).toBe(0);
  });

  it('ends at end-of-sentence after the start token, or at the longest output', () => {
    expect(finished([0], { ...marian, decoderStartTokenId: 0 })).toBe(false);
    expect(finished([9, 3, 0], marian)).toBe(true);
    expect(finished([9, 1, 2, 3, 4], marian)).toBe(true);
    expect(finished([9, 1, 2], marian)).toBe(false);
  });
});
