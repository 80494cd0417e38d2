/** Word error rate: word-level Levenshtein distance over the reference length, after normalisation. */

export interface WordErrors {
  substitutions: number;
  deletions: number;
  insertions: number;
  referenceWords: number;
}

/** Lowercase words with punctuation removed ("Phil." → "phil", "neighbor's" → "neighbors"). */
export function normaliseWords(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLocaleLowerCase()
    .replace(/[^\p{L}\p{N}\s]+/gu, '')
    .split(/\s+/)
    .filter((word) => word.length > 0);
}

interface Cell {
  cost: number;
  substitutions: number;
  deletions: number;
  insertions: number;
}

const step = (from: Cell, kind: 'substitutions' | 'deletions' | 'insertions' | undefined): Cell =>
  kind === undefined ? from : { ...from, cost: from.cost + 1, [kind]: from[kind] + 1 };

/** Counts the edits of a minimal alignment of the hypothesis onto the reference. */
export function wordErrors(reference: string, hypothesis: string): WordErrors {
  const ref = normaliseWords(reference);
  const hyp = normaliseWords(hypothesis);
  let previous: Cell[] = hyp.map((_, j) => ({ cost: j + 1, substitutions: 0, deletions: 0, insertions: j + 1 }));
  previous.unshift({ cost: 0, substitutions: 0, deletions: 0, insertions: 0 });
  for (let i = 1; i <= ref.length; i++) {
    const row: Cell[] = [step(previous[0]!, 'deletions')];
    for (let j = 1; j <= hyp.length; j++) {
      const candidates = [
        step(previous[j - 1]!, ref[i - 1] === hyp[j - 1] ? undefined : 'substitutions'),
        step(previous[j]!, 'deletions'),
        step(row[j - 1]!, 'insertions'),
      ];
      row.push(candidates.reduce((best, cell) => (cell.cost < best.cost ? cell : best)));
    }
    previous = row;
  }
  const { substitutions, deletions, insertions } = previous[hyp.length]!;
  return { substitutions, deletions, insertions, referenceWords: ref.length };
}

/** (S + D + I) / N over one or more utterances (corpus WER when given several). */
export function errorRate(errors: readonly WordErrors[]): number {
  const words = errors.reduce((sum, e) => sum + e.referenceWords, 0);
  if (words === 0) throw new RangeError('Word error rate is undefined for an empty reference');
  return errors.reduce((sum, e) => sum + e.substitutions + e.deletions + e.insertions, 0) / words;
}

export function wordErrorRate(reference: string, hypothesis: string): number {
  return errorRate([wordErrors(reference, hypothesis)]);
}
