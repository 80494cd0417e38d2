import { comparableKey, splitWords } from './words.ts';

/**
 * LocalAgreement-2 (as in whisper_streaming): of successive hypotheses of a growing utterance, the words
 * two consecutive ones share from the start are committed. Committed words never change, so a partial's
 * start stops flickering; only the tentative tail after them may still be revised.
 */
export class LocalAgreement {
  private committed: string[] = [];
  private previous: string[] = [];

  /** The words committed so far. */
  get committedText(): string {
    return this.committed.join(' ');
  }

  /** Takes the newest hypothesis of the whole utterance; returns the committed words and the tentative rest. */
  update(hypothesis: string): { committed: string; tentative: string } {
    const words = splitWords(hypothesis);
    let shared = 0;
    while (shared < words.length && shared < this.previous.length && comparableKey(words[shared]!) === comparableKey(this.previous[shared]!)) shared += 1;
    // Commitments are only extended: a later hypothesis that disagrees with committed words does not take them back.
    if (shared > this.committed.length && this.agreesWithCommitted(words)) this.committed = words.slice(0, shared);
    this.previous = words;
    return { committed: this.committedText, tentative: words.slice(this.committed.length).join(' ') };
  }

  private agreesWithCommitted(words: readonly string[]): boolean {
    return this.committed.every((word, i) => words[i] !== undefined && comparableKey(words[i]) === comparableKey(word));
  }
}
