import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSessions, useTinyModels } from '../../../testing/tiny-translation-models.ts';
import { gatherRows, type BatchRow, type DecodeBatch } from './decode-batch.ts';
import { nextToken } from './generation-rules.ts';
import { Seq2SeqSessions, type StepOutput } from './seq2seq-sessions.ts';

/**
 * Exact batch independence of the ragged decoder, below the tokens: a row's logits, step by step, are the same
 * floats alone and in company (rows that started earlier, past capacities of 16 up to 128, a row encoded with it).
 * q4 is not checked here: its MatMulNBits kernels round differently for one row than for several, which the
 * batch-independence test checks at the level that matters there, the tokens.
 */

const present = useTinyModels();

const target = 'After the long winter the river rose quickly and flooded the fields of the small village below.';
const company = ['Could you tell me the way to the museum, please?', 'Ok', 'Prices: 4, 5 and 6 euros.', 'Is this seat free?'];
// Steps the company's first three rows run ahead of the target; the fourth is encoded with it.
const leads = [41, 23, 8];
const steps = 40;

class Row implements BatchRow {
  kvLength = 0;
  readonly tokens: number[];
  constructor(readonly encoderLength: number, startToken: number) {
    this.tokens = [startToken];
  }
  get lastToken(): number {
    return this.tokens[this.tokens.length - 1]!;
  }
}

const configurations = ['sotto/opus-mt-en-de-tiny-random', 'sotto/nllb-tiny-random'].flatMap((id) => (['q8', 'fp32', 'fp16'] as const).map((precision) => ({ id, precision })));

describe.skipIf(!present).each(configurations)('the ragged decoder of $id at $precision', ({ id, precision }) => {
  let sessions: Seq2SeqSessions;

  beforeAll(async () => {
    sessions = await openSessions(id, { precision });
  }, 60_000);

  afterAll(() => sessions?.dispose());

  const row = (text: string) => new Row(sessions.tokenize(text, {}).ids.length, sessions.rules.decoderStartTokenId);
  const logitsOf = (batch: DecodeBatch<Row>, logits: Float32Array, row: Row) => {
    const vocab = logits.length / batch.rows.length;
    const index = batch.rows.indexOf(row);
    return logits.slice(index * vocab, (index + 1) * vocab);
  };
  /** Every row of the batch takes its greedy token, which the decoder's greedy head chose too; returns the watched row's logits. */
  const advance = (batch: DecodeBatch<Row>, { logits, greedyTokens }: StepOutput, watched?: Row) => {
    batch.rows.forEach((each, index) => {
      const token = nextToken(logitsOf(batch, logits!, each), each.tokens, sessions.rules);
      expect(Number(greedyTokens![index])).toBe(token);
      each.tokens.push(token);
    });
    return watched ? logitsOf(batch, logits!, watched) : undefined;
  };
  const start = (rows: Row[], texts: string[]) => sessions.start(rows, texts.map((text) => sessions.tokenize(text, {})));
  const merged = (...batches: DecodeBatch<Row>[]) => gatherRows(batches.flatMap((batch) => batch.rows.map((each, index) => ({ batch, index, row: each }))), sessions.shape);

  it('gives a row the same logits, bit for bit, alone and in company', async () => {
    expect(sessions.ragged).toBe(true);
    const aloneRow = row(target);
    const alone: Float32Array[] = [];
    let { batch, output } = await start([aloneRow], [target]);
    for (let step = 0; step < steps; step += 1) {
      alone.push(advance(batch, output, aloneRow)!);
      output = await sessions.step(batch);
    }

    let running: DecodeBatch<Row> | undefined;
    for (const [i, lead] of leads.entries()) {
      const joined = await start([row(company[i]!)], [company[i]!]);
      advance(joined.batch, joined.output);
      running = running ? merged(running, joined.batch) : joined.batch;
      for (let step = 0; step < lead - (leads[i + 1] ?? 0); step += 1) advance(running, await sessions.step(running));
    }
    const watched = row(target);
    const together = await start([watched, row(company[3]!)], [target, company[3]!]);
    const inCompany = [advance(together.batch, together.output, watched)!];
    running = merged(running!, together.batch);
    for (let step = 1; step < steps; step += 1) inCompany.push(advance(running, await sessions.step(running), watched)!);

    expect(running.pastLength).toBeGreaterThanOrEqual(64);
    const differing = inCompany.flatMap((stepLogits, step) => (stepLogits.every((value, i) => Object.is(value, alone[step]![i])) ? [] : [step]));
    expect(differing, 'steps whose logits differ in company').toEqual([]);
    expect(watched.tokens).toEqual(aloneRow.tokens);
  });
});
