import { maxBeams } from '../../../contract/translation-api.ts';
import { bannedTokens, type GenerationRules } from './generation-rules.ts';

/**
 * Beam search as Hugging Face transformers' generate() runs it (BeamSearchScorer, BeamHypotheses): each
 * step scores every beam's next tokens by log-softmax plus the logits rules (bad words, forced BOS/EOS,
 * applied to the log-probabilities) plus the beam's score, keeps the best 2 × width candidates, and goes
 * on with the first `width` of them that are not end-of-sentence; an end-of-sentence among the first
 * `width` candidates finishes a hypothesis, scored sum / length ** length_penalty. The search ends as
 * early_stopping says, or at the longest output, where the open beams join the hypotheses.
 *
 * A search starts from one beam (transformers starts from `width` copies, all but the first at -1e9,
 * which no finite candidate loses to), and candidates scored -Infinity (banned, or not the forced token)
 * never become beams: they could only fill rows whose every continuation is -Infinity too. Ties go to
 * the earlier beam, then the lower token id.
 */


export interface Beam {
  /** The decoder start token and the tokens chosen so far. */
  readonly tokens: readonly number[];
  /** Sum of the log-probabilities of its tokens, as the rules changed them. */
  readonly score: number;
}

/** A beam that goes on: its parent's index among the beams stepped, and the token it adds. */
export interface BeamChild {
  parent: number;
  token: number;
  score: number;
}

export interface Hypothesis {
  /** Decoder start token to end-of-sentence (or the longest output). */
  tokens: number[];
  /** Sum of log-probabilities over its length (decoder start token excluded) ** length_penalty. */
  score: number;
}

interface Candidate {
  beam: number;
  token: number;
  score: number;
}

/** log(sum(exp(logits))), computed around the maximum so that it stays finite. */
function logSumExp(logits: Float32Array): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i += 1) if (logits[i]! > max) max = logits[i]!;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = 0; i < logits.length; i += 1) sum += Math.exp(logits[i]! - max);
  return max + Math.log(sum);
}

/** The best `count` candidates, highest score first; kept sorted by insertion, as `count` is at most 8. */
class TopCandidates {
  readonly list: Candidate[] = [];

  constructor(private readonly count: number) {}

  get threshold(): number {
    return this.list.length < this.count ? -Infinity : this.list[this.list.length - 1]!.score;
  }

  offer(beam: number, token: number, score: number): void {
    // Strictly better only: among equal scores the earlier (beam, token) stays.
    if (!(score > this.threshold)) return;
    let at = this.list.length;
    while (at > 0 && this.list[at - 1]!.score < score) at -= 1;
    this.list.splice(at, 0, { beam, token, score });
    if (this.list.length > this.count) this.list.pop();
  }
}

export class BeamSearch {
  readonly #hypotheses: Hypothesis[] = [];
  #worstScore = 1e9;
  #done = false;

  constructor(
    readonly width: number,
    private readonly rules: GenerationRules,
    private readonly forcedBosTokenId?: number,
  ) {
    if (!Number.isInteger(width) || width < 1 || width > maxBeams) throw new RangeError(`beam width must be 1 to ${maxBeams}, not ${width}`);
  }

  get done(): boolean {
    return this.#done;
  }

  /**
   * One step over the beams (all of one length) and their logits rows: the beams that go on, none once
   * the search is done.
   */
  step(beams: readonly Beam[], logits: readonly Float32Array[]): BeamChild[] {
    if (this.#done) return [];
    const length = beams[0]!.tokens.length;
    const candidates = this.#candidates(beams, logits);
    const children: BeamChild[] = [];
    for (const [rank, candidate] of candidates.entries()) {
      if (candidate.token === this.rules.eosTokenId) {
        if (rank < this.width) this.#add([...beams[candidate.beam]!.tokens, candidate.token], candidate.score, length);
      } else {
        children.push({ parent: candidate.beam, token: candidate.token, score: candidate.score });
      }
      if (children.length === this.width) break;
    }
    this.#done = this.#isDone(candidates[0]?.score ?? -Infinity, length);
    if (this.#done) return [];
    if (length + 1 >= this.rules.maxLength || children.length === 0) {
      // The longest output: the open beams become hypotheses.
      for (const child of children) this.#add([...beams[child.parent]!.tokens, child.token], child.score, length);
      this.#done = true;
      return [];
    }
    return children;
  }

  /** The finished hypotheses, best first (at most `width`); throws when none has a finite score. */
  results(): Hypothesis[] {
    // As transformers pops them from a stable ascending sort: best first, the later of two equal scores first.
    const finite = this.#hypotheses
      .map((hypothesis, index) => ({ hypothesis, index }))
      .filter(({ hypothesis }) => Number.isFinite(hypothesis.score))
      .sort((a, b) => b.hypothesis.score - a.hypothesis.score || b.index - a.index)
      .map(({ hypothesis }) => hypothesis);
    if (finite.length === 0) throw new Error('Beam search ended without a hypothesis: every continuation was banned');
    return finite;
  }

  #candidates(beams: readonly Beam[], logits: readonly Float32Array[]): Candidate[] {
    const top = new TopCandidates(2 * this.width);
    const { rules } = this;
    beams.forEach((beam, index) => {
      const tokens = beam.tokens;
      // Forced tokens: every other token scores -Infinity, the forced one log(1) = 0.
      if (rules.forcedEosTokenId !== undefined && tokens.length === rules.maxLength - 1) return top.offer(index, rules.forcedEosTokenId, beam.score);
      if (this.forcedBosTokenId !== undefined && tokens.length === 1) return top.offer(index, this.forcedBosTokenId, beam.score);
      const row = logits[index]!;
      const offset = beam.score - logSumExp(row);
      const banned = bannedTokens(tokens, rules);
      for (let token = 0; token < row.length; token += 1) {
        const score = row[token]! + offset;
        if (score > top.threshold && !banned.includes(token)) top.offer(index, token, score);
      }
    });
    return top.list.filter((candidate) => candidate.score > -Infinity);
  }

  /** A finished hypothesis of `length` tokens before its last (the decoder start token counts, as the generated length with end-of-sentence). */
  #add(tokens: number[], sumLogProbs: number, length: number): void {
    const score = sumLogProbs / length ** this.rules.lengthPenalty;
    if (this.#hypotheses.length >= this.width && !(score > this.#worstScore)) return;
    this.#hypotheses.push({ tokens, score });
    if (this.#hypotheses.length > this.width) {
      const sorted = this.#hypotheses.map((hypothesis, index) => ({ score: hypothesis.score, index })).sort((a, b) => a.score - b.score || a.index - b.index);
      this.#hypotheses.splice(sorted[0]!.index, 1);
      this.#worstScore = sorted[1]!.score;
    } else {
      this.#worstScore = Math.min(score, this.#worstScore);
    }
  }

  /** BeamHypotheses.is_done: `best` is the best candidate's score this step, `length` the beams' length before it. */
  #isDone(best: number, length: number): boolean {
    if (this.#hypotheses.length < this.width) return false;
    const { earlyStopping, lengthPenalty, maxLength } = this.rules;
    if (earlyStopping === true) return true;
    const generated = earlyStopping === 'never' && lengthPenalty > 0 ? maxLength - 1 : length;
    return this.#worstScore >= best / generated ** lengthPenalty;
  }
}
