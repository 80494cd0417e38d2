import { europeanWord, growPseudoWords } from './pseudo-words.ts';
import { SeededRandom } from './random-weights.ts';

/** SentencePiece's word-boundary mark, which replaces spaces. */
export const WORD_START = '\u2581';

/** Single-character pieces, so that ordinary European text rarely falls back to <unk>. */
const ALPHABET = [
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
  ...'.,;:!?\'"()[]-–—%/&+=*#@$€£°',
  ...'àáâäãåæçèéêëìíîïñòóôöõøœùúûüýÿßÀÁÂÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÖØŒÙÚÛÜ',
];
const ALPHABET_SCORE = -10;

export interface PseudoWordVocabulary {
  /** The given leading specials, the word-start mark, the alphabet, then pseudo-word pieces. */
  pieces: string[];
  /** Where the pseudo-word pieces start, after the specials, the word-start mark and the alphabet. */
  firstPseudoWordId: number;
  merges: [string, string][];
  /** Pseudo-word pieces that begin a word, for word-like steering. */
  wordStartIds: number[];
  /** Pieces that are not (part of) a lowercase pseudo-word: specials, capitals, digits, punctuation. */
  nonWordIds: number[];
}

export function pseudoWordVocabulary(leadingSpecials: string[], size: number, seed: number): PseudoWordVocabulary {
  const pieces = [...leadingSpecials, WORD_START, ...ALPHABET];
  const firstPseudoWordId = pieces.length;
  const merges = growPseudoWords(pieces, size, new SeededRandom(seed), WORD_START, europeanWord);
  const ids = (keep: (piece: string) => boolean) => pieces.flatMap((piece, id) => (keep(piece) ? [id] : []));
  return {
    pieces,
    firstPseudoWordId,
    merges,
    wordStartIds: ids((piece) => new RegExp(`^${WORD_START}[a-z]{2,}$`).test(piece)),
    nonWordIds: ids((piece) => !new RegExp(`^${WORD_START}?[a-z]+$`).test(piece)),
  };
}

export interface SpecialToken {
  id: number;
  content: string;
}

/** A Unigram model (Marian's): pseudo-words outscore single characters, so words are kept whole where the vocabulary has them. */
export function unigramModel(vocabulary: PseudoWordVocabulary, trailingSpecials: string[], unkId: number): object {
  const { pieces, firstPseudoWordId } = vocabulary;
  const specials = firstPseudoWordId - 1 - ALPHABET.length;
  const score = (id: number) => (id < specials ? 0 : id < firstPseudoWordId ? ALPHABET_SCORE : -1 - id / pieces.length);
  return {
    type: 'Unigram',
    unk_id: unkId,
    byte_fallback: false,
    vocab: [...pieces.map((piece, id) => [piece, score(id)]), ...trailingSpecials.map((piece) => [piece, 0])],
  };
}

/** A BPE model (NLLB's): the merges build each pseudo-word piece from its prefix. */
export function bpeModel(vocabulary: PseudoWordVocabulary, unkToken: string): object {
  return {
    type: 'BPE',
    dropout: null,
    unk_token: unkToken,
    continuing_subword_prefix: null,
    end_of_word_suffix: null,
    fuse_unk: true,
    byte_fallback: false,
    ignore_merges: false,
    vocab: Object.fromEntries(vocabulary.pieces.map((piece, id) => [piece, id])),
    merges: vocabulary.merges.map(([left, right]) => `${left} ${right}`),
  };
}

/** A TemplateProcessing post-processor that puts `before` and `after` around every sequence. */
export function templateProcessing(before: SpecialToken[], after: SpecialToken[]): object {
  const special = (token: SpecialToken) => ({ SpecialToken: { id: token.content, type_id: 0 } });
  const sequence = (id: 'A' | 'B') => ({ Sequence: { id, type_id: 0 } });
  return {
    type: 'TemplateProcessing',
    single: [...before.map(special), sequence('A'), ...after.map(special)],
    pair: [...before.map(special), sequence('A'), sequence('B'), ...after.map(special)],
    special_tokens: Object.fromEntries([...before, ...after].map((token) => [token.content, { id: token.content, ids: [token.id], tokens: [token.content] }])),
  };
}

/** tokenizer.json of a SentencePiece tokenizer converted to the tokenizers format: Metaspace pre-tokenizer and decoder. */
export function sentencePieceTokenizerJson(model: object, specials: SpecialToken[], postProcessor: object): object {
  const metaspace = { replacement: WORD_START, prepend_scheme: 'always', split: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map(({ id, content }) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', ...metaspace },
    post_processor: postProcessor,
    decoder: { type: 'Metaspace', ...metaspace },
    model,
  };
}
