import type { AutomaticSpeechRecognitionPipeline } from '@huggingface/transformers';
import { recogniseFromDraft } from './draft-verification.ts';
import { decode, endsText, type MoonshineRecognition } from './moonshine-recognition.ts';
import { splitWords } from '../shared/words.ts';

/**
 * The token ids of a recognition that spell exactly `committedText`'s words (see LocalAgreement, which commits a word
 * prefix of one hypothesis): the longest token prefix whose text has exactly those words, so a word's trailing pieces
 * (a space token, say) come with it. Undefined when the recognition does not start with those words (then the partial decodes freely).
 */
export function committedTokenPrefix(recognition: MoonshineRecognition, committedText: string, decodeIds: (ids: number[]) => string): number[] | undefined {
  const committed = splitWords(committedText);
  if (committed.length === 0) return undefined;
  const sameWords = (ids: number[]) => {
    const words = splitWords(decodeIds(ids));
    return words.length === committed.length && words.every((word, i) => word === committed[i]);
  };
  let found: number | undefined;
  for (let length = 1; length <= recognition.tokenIds.length; length += 1) {
    const ids = recognition.tokenIds.slice(0, length);
    if (sameWords(ids)) found = length;
    else if (found !== undefined) break;
  }
  return found === undefined ? undefined : recognition.tokenIds.slice(0, found);
}

/**
 * Partials of a live stream whose committed words are never decoded step by step again: each partial forces the
 * token ids of the words committed so far (taken from the previous partial of the same segment) as its decoder prefix,
 * and checks the previous partial's further tokens as a draft (see recogniseFromDraft), so that only what is new is
 * generated step by step. Where the forced words are what free decoding gives, the partial is free decoding's.
 */
export class PrefixForcedPartials {
  private last: { segmentId: number; recognition: MoonshineRecognition } | undefined;

  constructor(private readonly recogniser: AutomaticSpeechRecognitionPipeline) {}

  async recognise(audio: Float32Array, segmentId: number, committedText: string): Promise<{ text: string }> {
    const previous = this.last?.segmentId === segmentId ? this.last.recognition : undefined;
    // Never its end-of-text token: this partial's audio goes on past the previous one's.
    const ended = previous !== undefined && endsText(this.recogniser, previous.tokenIds.at(-1)!);
    const open = previous && (ended ? { ...previous, tokenIds: previous.tokenIds.slice(0, -1) } : previous);
    const prefix = (open && committedTokenPrefix(open, committedText, (ids) => decode(this.recogniser, ids))) ?? [];
    // The previous partial's tentative rest is a draft: what greedy decoding would repeat of it takes one parallel pass.
    const recognition = await recogniseFromDraft(this.recogniser, audio, open?.tokenIds ?? [], Math.max(prefix.length, 1));
    this.last = { segmentId, recognition };
    return { text: recognition.text };
  }

  /** The token ids of the segment's latest partial, if it had one. */
  latestTokens(segmentId: number): readonly number[] {
    return this.last?.segmentId === segmentId ? this.last.recognition.tokenIds : [];
  }
}
