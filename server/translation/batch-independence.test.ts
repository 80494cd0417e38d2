import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Precision } from '../../contract/manifest-schema.ts';
import { sharedDataFile } from '../../testing/shared-data.ts';
import { repoRoot } from '../config.ts';
import { startTranslationEngine, type TranslationEngine } from './engine.ts';
import { parseTranslationSettings } from './settings.ts';
import { spawnInferenceThread } from './worker-hosts.ts';

/**
 * A segment's translation must not depend on the other segments it shares a batch with (other clients' text),
 * at every precision the server offers, with either decoder: 80 FLORES sentences alone, then inside mixed
 * batches, byte for byte.
 */

const modelsDir = path.join(repoRoot, 'models');
const models = ['sotto/opus-mt-en-de-tiny-random', 'sotto/nllb-tiny-random'];
const precisions: Precision[] = ['q8', 'fp32', 'fp16', 'q4'];
const floresFile = sharedDataFile('mt/flores200-devtest-first200.eng');
const present = models.every((id) => existsSync(path.join(modelsDir, ...id.split('/'), 'config.json')));
if (!floresFile) console.warn('Skipping the batch-independence tests: ../shared/data/mt/flores200-devtest-first200.eng is missing.');
if (!present) console.warn(`Skipping the batch-independence tests: run \`npx tsx models/generate/main.ts --size tiny\` for ${models.join(' and ')}.`);
const sentences = floresFile ? readFileSync(floresFile, 'utf8').split('\n').filter(Boolean).slice(0, 80) : [];

/** Requests of four sentences of unlike lengths; sent all at once, the batcher packs several into one batch. */
const mixedRequests = () =>
  Array.from({ length: sentences.length / 4 }, (_, i) => [i, i + 20, i + 40, i + 60].map((index) => sentences[(index * 7) % sentences.length]!));

const configurations = ['continuous', 'pipeline'].flatMap((decoder) => models.flatMap((model) => precisions.map((precision) => ({ model, precision, decoder }))));

describe.skipIf(!floresFile || !present).each(configurations)('$model at $precision, $decoder decoder', ({ model, precision, decoder }) => {
  let engine: TranslationEngine;
  const batchSizes: number[] = [];

  beforeAll(async () => {
    const parsed = parseTranslationSettings({
      SOTTO_TRANSLATION_MODELS: model,
      SOTTO_TRANSLATION_PRECISION: precision,
      SOTTO_DECODER: decoder,
      SOTTO_PROVIDERS: 'cpu',
      SOTTO_TRANSLATION_WORKERS: '1',
      SOTTO_CACHE_SIZE: '0',
      SOTTO_BATCH_MAX_DELAY_MS: '20',
    });
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    const observer = { batch: ({ texts }: { texts: string[] }) => batchSizes.push(texts.length), translated: () => {} };
    engine = await startTranslationEngine(parsed.settings, modelsDir, { spawn: spawnInferenceThread, observer, log: () => {} });
    await engine.load(model);
  }, 120_000);

  afterAll(() => engine?.stop());

  it('translates each sentence in a mixed batch exactly as it translates alone', async () => {
    const translate = (segments: string[]) => engine.translate({ segments, source: 'en', target: 'de', model });
    const alone = new Map<string, string>();
    for (const sentence of sentences) alone.set(sentence, (await translate([sentence])).translations[0]!);
    expect(engine.models().find((info) => info.id === model)?.precision).toBe(precision);

    batchSizes.length = 0;
    const requests = mixedRequests();
    const results = await Promise.all(requests.map((segments) => translate(segments)));
    expect(Math.max(...batchSizes)).toBeGreaterThan(4);
    const differing = requests.flatMap((segments, r) =>
      segments.flatMap((sentence, s) => (results[r]!.translations[s] === alone.get(sentence) ? [] : [sentence])),
    );
    expect(differing, `${differing.length} of ${sentences.length} sentences translate differently inside a batch`).toEqual([]);
  }, 300_000);
});
