import { growPseudoWords } from './pseudo-words.ts';
import { SeededRandom } from './random-weights.ts';

/** Whisper's 99 language codes, in the order of their special tokens. */
export const WHISPER_LANGUAGES = (
  'en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu ta no th ur hr bg lt la mi ml cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk sq sw gl mr pa si km sn yo so af oc ka be tg sd gu am yi lo uz fo ht ps tk nn mt sa lb my bo tl mg as tt haw ln ha ba jw su'
).split(' ');

const TIMESTAMP_COUNT = 1501;

export interface SpecialTokenIds {
  endOfText: number;
  startOfTranscript: number;
  languages: Record<string, number>;
  translate: number;
  transcribe: number;
  noTimestamps: number;
  vocabSize: number;
}

/** GPT-2's byte → printable character table, the base alphabet of Whisper's byte-level BPE. */
function byteAlphabet(): string[] {
  const printable = [...range(33, 127), ...range(161, 173), ...range(174, 256)];
  const bytes = [...printable];
  const chars = printable.map((b) => String.fromCharCode(b));
  let extra = 0;
  for (let b = 0; b < 256; b += 1) {
    if (!printable.includes(b)) {
      bytes.push(b);
      chars.push(String.fromCharCode(256 + extra));
      extra += 1;
    }
  }
  return chars;
}

function range(start: number, end: number): number[] {
  return Array.from({ length: end - start }, (_, i) => start + i);
}

export interface GeneratedTokenizer {
  specials: SpecialTokenIds;
  tokenizerJson: object;
  tokenizerConfigJson: object;
  /** Ids of text tokens that start a word (with a leading space), for word-like steering. */
  wordStartIds: number[];
  /** Single-byte tokens other than lowercase letters. */
  nonLetterByteIds: number[];
}

/**
 * A byte-level BPE vocabulary of `textTokens` entries made of pseudo-words, followed by Whisper's
 * special, language, task and timestamp tokens at Whisper's relative positions.
 */
export function generateWhisperTokenizer(textTokens: number, seed: number): GeneratedTokenizer {
  const random = new SeededRandom(seed);
  const vocab: string[] = byteAlphabet();
  const space = vocab[32 + 188]!; // 'Ġ' sits at 220, as in GPT-2
  const merges = growPseudoWords(vocab, textTokens, random, space);

  const specialNames = [
    '<|endoftext|>',
    '<|startoftranscript|>',
    ...WHISPER_LANGUAGES.map((code) => `<|${code}|>`),
    '<|translate|>',
    '<|transcribe|>',
    '<|startoflm|>',
    '<|startofprev|>',
    '<|nocaptions|>',
    '<|notimestamps|>',
    ...Array.from({ length: TIMESTAMP_COUNT }, (_, i) => `<|${(i * 0.02).toFixed(2)}|>`),
  ];
  const idOf = (name: string) => textTokens + specialNames.indexOf(name);
  const specials: SpecialTokenIds = {
    endOfText: idOf('<|endoftext|>'),
    startOfTranscript: idOf('<|startoftranscript|>'),
    languages: Object.fromEntries(WHISPER_LANGUAGES.map((code) => [`<|${code}|>`, idOf(`<|${code}|>`)])),
    translate: idOf('<|translate|>'),
    transcribe: idOf('<|transcribe|>'),
    noTimestamps: idOf('<|notimestamps|>'),
    vocabSize: textTokens + specialNames.length,
  };

  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specialNames.map((content, i) => ({
      id: textTokens + i,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab: Object.fromEntries(vocab.map((token, id) => [token, id])),
      merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
  const tokenizerConfigJson = {
    tokenizer_class: 'WhisperTokenizer',
    bos_token: '<|endoftext|>',
    eos_token: '<|endoftext|>',
    unk_token: '<|endoftext|>',
    pad_token: '<|endoftext|>',
    add_prefix_space: false,
    errors: 'replace',
    model_max_length: 1024,
    clean_up_tokenization_spaces: true,
  };
  const wordStartIds = vocab.flatMap((token, id) => (token.startsWith(space) && token.length > 2 ? [id] : []));
  const nonLetterByteIds = range(0, 256).filter((id) => !/^[a-z]$/.test(vocab[id]!));
  return { specials, tokenizerJson, tokenizerConfigJson, wordStartIds, nonLetterByteIds };
}
