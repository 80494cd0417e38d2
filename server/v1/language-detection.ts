import { kanaScripts, scripts, type LanguageProfile } from './language-profiles.ts';

/** LibreTranslate's shape: a language code and a confidence from 0 to 100. */
export interface DetectedLanguage {
  language: string;
  confidence: number;
}

interface ScriptGroup {
  /** Letters of the text in this script. */
  letters: number;
  /** The languages written in it, in the profiles' order. */
  languages: [string, LanguageProfile][];
}

const countOf = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;
const scriptPattern = (script: string) => new RegExp(`\\p{Script=${script}}`, 'gu');

const groupPatterns = scripts.map((profile) => ({ pattern: scriptPattern(profile.script), languages: Object.entries(profile.languages) }));
const hanPattern = scriptPattern('Han');
const kanaPattern = new RegExp(kanaScripts.map((script) => `\\p{Script=${script}}`).join('|'), 'gu');

function scriptGroups(text: string): ScriptGroup[] {
  const groups = groupPatterns.map(({ pattern, languages }) => ({ letters: countOf(text, pattern), languages }));
  const han = countOf(text, hanPattern);
  const kana = countOf(text, kanaPattern);
  // Han alone is Chinese; with kana, Japanese (which writes most content words in Han).
  if (han + kana > 0) groups.push({ letters: han + kana, languages: [[kana > 0 ? 'ja' : 'zh', {}]] });
  return groups.filter((group) => group.letters > 0).sort((a, b) => b.letters - a.letters);
}

/** How much a text looks like a language: its common words count twice, its distinctive letters once. */
function score(profile: LanguageProfile, words: readonly string[], text: string): number {
  const wordSet = new Set(profile.words ?? []);
  const wordHits = words.filter((word) => wordSet.has(word)).length;
  const letterHits = [...(profile.letters ?? '')].reduce((total, letter) => total + text.split(letter).length - 1, 0);
  return 2 * wordHits + letterHits;
}

const rounded = (value: number) => Math.round(value * 10) / 10;

/**
 * The languages `text` may be in, the likeliest first, among `candidates` (the languages the models serve):
 * the Unicode script most of its letters are in narrows them down (Hangul is Korean), then common words and
 * distinctive letters rank the languages that share a script. A heuristic with no model: good on a sentence
 * or more of a widely used language, a guess on a word or two. Nothing to go on gives English at confidence 0,
 * as LibreTranslate answers.
 */
export function detectLanguages(text: string, candidates: readonly string[]): DetectedLanguage[] {
  const served = new Set(candidates);
  const lower = text.toLowerCase();
  // Marks count too: scripts such as Devanagari write vowels as combining marks.
  const letters = countOf(lower, /[\p{L}\p{M}]/gu);
  const words = lower.split(/[^\p{L}\p{M}']+/u).filter((word) => word !== '');
  for (const group of scriptGroups(lower)) {
    const languages = group.languages.filter(([code]) => served.has(code));
    if (languages.length === 0) continue;
    const share = group.letters / letters;
    if (languages.length === 1) return [{ language: languages[0]![0], confidence: rounded(100 * share) }];
    const scores = languages.map(([code, profile]) => ({ code, score: score(profile, words, lower) }));
    const total = scores.reduce((sum, { score: s }) => sum + s, 0);
    // Nothing tells them apart: the script's most widely used language, at half the certainty.
    if (total === 0) return [{ language: scores[0]!.code, confidence: rounded(50 * share) }];
    return scores
      .filter(({ score: s }) => s > 0)
      .sort((a, b) => b.score - a.score)
      .map(({ code, score: s }) => ({ language: code, confidence: rounded((100 * share * s) / total) }));
  }
  return [{ language: 'en', confidence: 0 }];
}
