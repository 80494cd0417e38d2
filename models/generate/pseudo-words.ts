import type { SeededRandom } from './random-weights.ts';

/** Makes one pseudo-word, most of the time starting with the tokenizer's word-boundary mark. */
export type PseudoWordMaker = (random: SeededRandom, wordStart: string) => string;

const ONSETS = ['b', 'd', 'f', 'g', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z', 'sh', 'th', 'tr', 'st', 'br', 'pl'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ou', 'ea'];

/** One to three open syllables (Whisper's generated vocabulary). */
export const simpleWord: PseudoWordMaker = (random, wordStart) => {
  const syllables = 1 + random.integer(3);
  let word = random.next() < 0.7 ? wordStart : '';
  for (let s = 0; s < syllables; s += 1) word += random.pick(ONSETS) + random.pick(VOWELS);
  return word;
};

// Repeated entries make a sound more frequent.
const EUROPEAN_ONSETS = ['', '', '', 'b', 'c', 'ch', 'd', 'f', 'g', 'h', 'j', 'k', 'l', 'm', 'n', 'p', 'qu', 'r', 's', 'sh', 'st', 't', 'th', 'tr', 'v', 'w', 'wh', 'y', 'z', 'bl', 'br', 'cl', 'cr', 'dr', 'fl', 'fr', 'gr', 'pl', 'pr', 'sp', 'str', 'sch'];
const EUROPEAN_VOWELS = ['a', 'e', 'i', 'o', 'u', 'a', 'e', 'i', 'o', 'ai', 'ea', 'ee', 'ie', 'ou', 'oo', 'ei', 'au', 'y', 'ey', 'ue'];
const EUROPEAN_CODAS = ['', '', '', '', 'n', 'r', 's', 't', 'l', 'nd', 'ng', 'st', 'ch', 'ck', 'rt', 'ss', 'm', 'd', 'nt', 'th', 'ght', 'ld', 'rs', 'ts', 'ns', 'le', 're', 've', 'se', 'ce'];

/**
 * One to three syllables with consonant clusters and codas, some capitalised: a vocabulary of these
 * covers more of real European text than `simpleWord`, so sentences split into fewer pieces.
 */
export const europeanWord: PseudoWordMaker = (random, wordStart) => {
  const syllables = 1 + random.integer(3);
  let word = '';
  for (let s = 0; s < syllables; s += 1) word += random.pick(EUROPEAN_ONSETS) + random.pick(EUROPEAN_VOWELS) + random.pick(EUROPEAN_CODAS);
  if (random.next() < 0.2) word = word[0]!.toUpperCase() + word.slice(1);
  return random.next() < 0.7 ? wordStart + word : word;
};

/**
 * Adds the prefixes of pseudo-words to `vocab` until it has `size` entries. Returns the BPE merges
 * that build each added entry from a shorter one and a character; `vocab` must already hold the
 * word-start mark and every letter.
 */
export function growPseudoWords(vocab: string[], size: number, random: SeededRandom, wordStart: string, makeWord: PseudoWordMaker = simpleWord): [string, string][] {
  const known = new Set(vocab);
  const merges: [string, string][] = [];
  while (vocab.length < size) {
    const word = makeWord(random, wordStart);
    let prefix = word[0]!;
    for (const char of word.slice(1)) {
      const next = prefix + char;
      if (!known.has(next) && vocab.length < size) {
        merges.push([prefix, char]);
        vocab.push(next);
        known.add(next);
      }
      prefix = next;
    }
  }
  return merges;
}
