import { splitWords } from '../../web/shared/words.ts';
/** When each word of a live transcript first appears, against when it was spoken. */

/** A transcript event as the bench page saw it, `atSeconds` after the first audio went in. */
export interface ShownText {
  atSeconds: number;
  type: 'partial' | 'final';
  segmentId: number;
  text: string;
  startSeconds: number;
  endSeconds: number;
}


/**
 * Per word of each final segment: the time from the end of its audio to the first text of that segment
 * with at least as many words. Recognisers here give no word timings, so word k of n is taken to end
 * k/n of the way through its segment. Audio time is divided by `speed`, the pace at which it was fed.
 */
export function wordEmissionLatencies(shown: readonly ShownText[], speed: number): number[] {
  return shown
    .filter((event) => event.type === 'final')
    .flatMap((final) => {
      const words = splitWords(final.text).length;
      const ofSegment = shown.filter((event) => event.segmentId === final.segmentId && event.atSeconds <= final.atSeconds);
      return Array.from({ length: words }, (_, index) => {
        const spokenBy = (final.startSeconds + ((index + 1) / words) * (final.endSeconds - final.startSeconds)) / speed;
        const appeared = ofSegment.find((event) => splitWords(event.text).length > index)!.atSeconds;
        return appeared - spokenBy;
      });
    });
}

/** From the first voiced frame to the first non-empty text; null where no text came. */
export function firstTextAfterOnset(shown: readonly ShownText[], onsetSeconds: number, speed: number): number | null {
  const first = shown.find((event) => event.text.trim() !== '');
  return first ? first.atSeconds - onsetSeconds / speed : null;
}
