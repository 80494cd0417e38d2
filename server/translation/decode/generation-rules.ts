import { z } from 'zod';

/**
 * What transformers.js' generate() does to the logits of a translation model, from the model's
 * generation_config.json, for the greedy search its translation pipeline runs (generate() takes only
 * the first candidate of its beam sampler, so num_beams does not change its output); and how Hugging
 * Face transformers scores beam hypotheses, for the server's own beam search (beam-search.ts).
 */
export interface GenerationRules {
  decoderStartTokenId: number;
  eosTokenId: number;
  /** Token sequences never to complete (Marian bans its <pad>). */
  badWordsIds: readonly (readonly number[])[];
  /** End-of-sentence is forced at the last step allowed. */
  forcedEosTokenId?: number;
  /** Longest output, decoder start token included. */
  maxLength: number;
  /** A finished beam hypothesis scores its log-probability over its length to this power. */
  lengthPenalty: number;
  /** Beam search ends once `beams` hypotheses finished (true), when none can do better (false), or never before the longest output ('never'). */
  earlyStopping: boolean | 'never';
}

// The translation pipeline's default (text2text-generation), which sets max_length = 1 + max_new_tokens.
export const DEFAULT_MAX_NEW_TOKENS = 256;

const tokenId = z.number().int().min(0);
const generationConfig = z.object({
  decoder_start_token_id: tokenId,
  eos_token_id: z.union([tokenId, z.array(tokenId).nonempty()]),
  bad_words_ids: z.array(z.array(tokenId).nonempty()).nullish(),
  forced_eos_token_id: tokenId.nullish(),
  repetition_penalty: z.number().nullish(),
  no_repeat_ngram_size: z.number().nullish(),
  min_length: z.number().nullish(),
  length_penalty: z.number().nullish(),
  early_stopping: z.union([z.boolean(), z.literal('never')]).nullish(),
});

export class GenerationConfigError extends Error {
  override name = 'GenerationConfigError';
}

export function parseGenerationRules(json: unknown, maxNewTokens = DEFAULT_MAX_NEW_TOKENS): GenerationRules {
  const parsed = generationConfig.safeParse(json);
  if (!parsed.success) throw new GenerationConfigError(`generation_config.json: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  const config = parsed.data;
  const unsupported = [
    config.repetition_penalty !== undefined && config.repetition_penalty !== null && config.repetition_penalty !== 1 && 'repetition_penalty',
    (config.no_repeat_ngram_size ?? 0) > 0 && 'no_repeat_ngram_size',
    (config.min_length ?? 0) > 0 && 'min_length',
  ].filter(Boolean);
  if (unsupported.length > 0) throw new GenerationConfigError(`generation_config.json: the server's decoder does not implement ${unsupported.join(', ')}`);
  const eos = Array.isArray(config.eos_token_id) ? config.eos_token_id[0]! : config.eos_token_id;
  return {
    decoderStartTokenId: config.decoder_start_token_id,
    eosTokenId: eos,
    badWordsIds: config.bad_words_ids ?? [],
    ...(config.forced_eos_token_id !== undefined && config.forced_eos_token_id !== null && { forcedEosTokenId: config.forced_eos_token_id }),
    maxLength: 1 + maxNewTokens,
    lengthPenalty: config.length_penalty ?? 1,
    earlyStopping: config.early_stopping ?? false,
  };
}

/** The tokens NoBadWords bans after `tokens`: the last of each bad word whose other tokens end the sequence. */
export function bannedTokens(tokens: readonly number[], rules: GenerationRules): number[] {
  const banned: number[] = [];
  for (const word of rules.badWordsIds) {
    const prefix = word.length - 1;
    if (tokens.length < prefix) continue;
    if (word.slice(0, prefix).every((id, i) => tokens[tokens.length - prefix + i] === id)) banned.push(word[prefix]!);
  }
  return banned;
}

/**
 * The next token of a sequence (`tokens`: decoder start and what was generated) from its logits row:
 * transformers.js' NoBadWords, ForcedBOS (NLLB's target language) and ForcedEOS processors, then the
 * first maximum, as its greedy sampler takes it.
 */
export function nextToken(logits: Float32Array, tokens: readonly number[], rules: GenerationRules, forcedBosTokenId?: number): number {
  return forcedToken(tokens, rules, forcedBosTokenId) ?? bestToken(logits, tokens, rules);
}

/** The token ForcedEOS or ForcedBOS puts next, whatever the logits; undefined where neither applies. */
export function forcedToken(tokens: readonly number[], rules: GenerationRules, forcedBosTokenId?: number): number | undefined {
  if (rules.forcedEosTokenId !== undefined && tokens.length === rules.maxLength - 1) return rules.forcedEosTokenId;
  if (forcedBosTokenId !== undefined && tokens.length === 1) return forcedBosTokenId;
  return undefined;
}

/**
 * The tokens banned after any prefix (the single-token bad words), when those are all NoBadWords bans: the
 * decoder's greedy head (greedy-head.ts) can then choose; undefined when a longer bad word needs the prefix.
 */
export function alwaysBannedTokens(rules: GenerationRules): number[] | undefined {
  return rules.badWordsIds.every((word) => word.length === 1) ? rules.badWordsIds.map((word) => word[0]!) : undefined;
}

function bestToken(logits: Float32Array, tokens: readonly number[], rules: GenerationRules): number {
  const banned = bannedTokens(tokens, rules);
  let best = -1;
  let bestScore = -Infinity;
  // The hot loop of every step (a vocabulary per row): a plain scan, the few banned ids checked only at a new maximum.
  for (let id = 0; id < logits.length; id += 1) {
    const score = logits[id]!;
    if (score > bestScore && (banned.length === 0 || !banned.includes(id))) {
      best = id;
      bestScore = score;
    }
  }
  // Every logit banned or -Infinity: transformers.js' max() then returns index 0.
  return best === -1 ? 0 : best;
}

/** Whether a sequence is complete: it ended with end-of-sentence or reached the longest output. */
export function finished(tokens: readonly number[], rules: GenerationRules): boolean {
  return tokens.length >= rules.maxLength || (tokens.length > 1 && tokens[tokens.length - 1] === rules.eosTokenId);
}
