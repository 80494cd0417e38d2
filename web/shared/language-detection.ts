/** Spoken-language detection, Whisper's way: the first decoder step after <|startoftranscript|> predicts a language token. Pure. */

/** The source-language setting that asks the speech model to detect the language of each segment. */
export const DETECT_LANGUAGE = 'auto';

export interface DetectedLanguage {
  code: string;
  /** The softmax probability of that language among the candidates, 0–1. */
  probability: number;
}

/**
 * The most likely candidate from one decoder step's logits (vocabulary order), with its probability
 * among the candidates only, as Whisper's detect_language does with languages it is allowed to pick.
 */
export function pickLanguage(logits: ArrayLike<number>, languageTokenIds: Readonly<Record<string, number>>, candidates: readonly string[]): DetectedLanguage {
  const scored = candidates.flatMap((code) => {
    const id = languageTokenIds[`<|${code}|>`];
    return id === undefined || id >= logits.length ? [] : [{ code, logit: logits[id]! }];
  });
  if (scored.length === 0) throw new Error(`The speech model has no token for any of the languages to detect (${candidates.join(', ') || 'none given'})`);
  const best = scored.reduce((top, entry) => (entry.logit > top.logit ? entry : top));
  // Shifted by the largest logit so exp() cannot overflow; the best term is exp(0) = 1.
  const total = scored.reduce((sum, entry) => sum + Math.exp(entry.logit - best.logit), 0);
  return { code: best.code, probability: 1 / total };
}
