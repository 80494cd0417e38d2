/** How transcripts are cut into words and how two recognitions' words are compared. */

/** A text's words: its whitespace-separated tokens. */
export function splitWords(text: string): string[] {
  return text.split(/\s+/).filter((token) => token.length > 0);
}

/** A word as recognitions are compared: lower case, letters and digits only (empty for pure punctuation). */
export const comparableKey = (word: string): string => word.toLocaleLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
