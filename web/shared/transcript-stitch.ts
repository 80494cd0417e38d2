import { comparableKey, splitWords } from './words.ts';

/** Longest seam repetition looked for; a 1 s overlap holds only a few words. */
const MAX_OVERLAP_WORDS = 8;

/**
 * Joins the text of a segment that overlapped the previous one: drops from the start of
 * `next` the longest run of words (up to 8) equal to the end of `previous`, comparing
 * without case and punctuation. Returns the remaining text of `next`.
 */
export function mergeOverlappingText(previous: string, next: string): string {
  const previousWords = comparableWords(splitWords(previous));
  const nextTokens = splitWords(next);
  const nextWords = comparableWords(nextTokens);
  const longest = Math.min(MAX_OVERLAP_WORDS, previousWords.length, nextWords.length);
  for (let count = longest; count > 0; count--) {
    const suffix = previousWords.slice(previousWords.length - count);
    if (suffix.every((word, i) => word.key === nextWords[i]!.key)) {
      return nextTokens.slice(nextWords[count - 1]!.tokenIndex + 1).join(' ');
    }
  }
  return nextTokens.join(' ');
}

interface ComparableWord {
  key: string;
  tokenIndex: number;
}

/** Tokens reduced to letters and digits; pure punctuation tokens are skipped. */
function comparableWords(tokens: readonly string[]): ComparableWord[] {
  const words: ComparableWord[] = [];
  tokens.forEach((token, tokenIndex) => {
    const key = comparableKey(token);
    if (key) words.push({ key, tokenIndex });
  });
  return words;
}

export interface TranscriptSegment {
  id: number;
  startSample: number;
  endSample: number;
  /** Text after removing words repeated from the previous segment. */
  text: string;
}

/**
 * Accumulates recognized segments and the text of the open one. Segments are finalized in
 * order with consecutive ids (as SpeechSegmenter numbers them), so the segment an overlap
 * repeats is the one with the preceding id.
 */
/** The open segment's text: the words later partials keep (see LocalAgreement), then those that may still change. */
export interface LiveText {
  committed: string;
  tentative: string;
}

export class TranscriptBuilder {
  private readonly finals: TranscriptSegment[] = [];
  private partial: { segmentId: number; text: string; overlapSamples: number; committedText: string } | undefined;

  /** Replaces the open segment's text, whose first words `committedText` are committed. Ignored for a segment that is already final. */
  setPartial(segmentId: number, text: string, overlapSamples = 0, committedText = ''): void {
    if (this.finals.some((segment) => segment.id === segmentId)) return;
    this.partial = { segmentId, text, overlapSamples, committedText };
  }

  finalize(segmentId: number, text: string, startSample: number, endSample: number, overlapSamples: number): void {
    this.finals.push({ id: segmentId, startSample, endSample, text: this.stitch(segmentId, text, overlapSamples) });
    if (this.partial?.segmentId === segmentId) this.partial = undefined;
  }

  text(): string {
    return joinNonEmpty([this.finalText(), this.partialText()], ' ');
  }

  finalText(): string {
    return joinNonEmpty(this.finals.map((segment) => segment.text), ' ');
  }

  partialText(): string {
    const partial = this.partial;
    // Stitched on read: the segment a partial overlaps may be finalized after the partial arrived.
    return partial ? this.stitch(partial.segmentId, partial.text, partial.overlapSamples) : '';
  }

  /** partialText() split into its committed words and the tentative rest (stitching only drops words from the start). */
  partialParts(): LiveText {
    const words = splitWords(this.partialText());
    const tentativeCount = this.partial ? splitWords(this.partial.text).length - splitWords(this.partial.committedText).length : 0;
    const cut = Math.max(words.length - Math.max(tentativeCount, 0), 0);
    return { committed: words.slice(0, cut).join(' '), tentative: words.slice(cut).join(' ') };
  }

  segments(): readonly TranscriptSegment[] {
    return this.finals;
  }

  private stitch(segmentId: number, text: string, overlapSamples: number): string {
    const previous = this.finals.at(-1);
    if (overlapSamples > 0 && previous?.id === segmentId - 1) return mergeOverlappingText(previous.text, text);
    return text.trim().replace(/\s+/g, ' ');
  }
}

export function joinNonEmpty(parts: readonly string[], separator: string): string {
  return parts.filter((part) => part.length > 0).join(separator);
}
