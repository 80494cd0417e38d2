import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketOf } from '../../server/translation/model-registry.ts';
import type { ServedView } from '../../server/translation/model-rollout.ts';
import type { TranslateResult } from '../../server/translation/service.ts';
import { faultServerEntry } from '../server-process.ts';
import { post, type LoadOutcome } from './load-client.ts';
import { ensureTinyModels, startTranslationServer, tinyNllb, type TranslationServer } from './translation-server.ts';

/**
 * Model lifecycle on the real server process under a steady stream of requests. `translation-default` starts
 * on the tiny NLLB model; the new version is the tiny Marian en→de model (another manifest entry, so another
 * digest), which both translate en→de. fp32 is batch-invariant (see load.test.ts), so every answer can be
 * checked against what the version it names gives for that input alone.
 */

const tinyMarian = 'sotto/opus-mt-en-de-tiny-random';
const served = 'translation-default';
const adminKey = `sotto-admin.${'r'.repeat(43)}`;
const clientIds = ['c1', 'c2', 'c3', 'c4', 'c5'];
const clientKey = (id: string) => `sotto_${id}.${id.repeat(22)}`;
const sha256 = (key: string) => `sha256$${createHash('sha256').update(key).digest('hex')}`;
const sentences = Array.from({ length: 12 }, (_, i) => `Sentence number ${i} about the weather and a train to the city.`);

const runnable = ensureTinyModels();
if (!runnable) console.warn('Skipping the rollout test: the tiny NLLB model is missing.');

interface Answer {
  outcome: Omit<LoadOutcome, 'index'>;
  sentence: string;
}

describe.skipIf(!runnable)('model rollout on the real server under load', () => {
  let server: TranslationServer;
  let newVersion = '';

  const admin = async (path: string, body?: unknown): Promise<ServedView & { models?: ServedView[] }> => {
    const res = await fetch(new URL(`admin/${path}`, server.url), {
      method: body === undefined && path === 'models' ? 'GET' : 'POST',
      headers: { Authorization: `Bearer ${adminKey}`, 'Content-Type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
    return JSON.parse(text) as ServedView;
  };

  /** Five keyed clients, each sending its next request as soon as the last was answered, until `until` resolves. */
  async function stream(until: Promise<unknown>): Promise<Answer[]> {
    let running = true;
    void until.finally(() => (running = false));
    const answers: Answer[] = [];
    await Promise.all(
      clientIds.map(async (id, c) => {
        for (let i = c; running; i++) {
          const sentence = sentences[i % sentences.length]!;
          const body = { segments: [sentence], source: 'en', target: 'de' };
          answers.push({ sentence, outcome: await server.translate(body, { Authorization: `Bearer ${clientKey(id)}` }) });
        }
      }),
    );
    await until;
    return answers;
  }

  const label = (result: TranslateResult) => `${result.model.id}@${result.model.version}`;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** Each version's translation of a sentence alone, asked for by model id (outside the rollout). */
  async function expectMatchingReferences(answers: Answer[]): Promise<Set<string>> {
    const references = new Map<string, string>();
    for (const model of [tinyNllb, tinyMarian]) {
      for (const sentence of sentences) {
        const outcome = await server.translate({ segments: [sentence], source: 'en', target: 'de', model });
        const result = outcome.body as TranslateResult;
        references.set(`${label(result)}\n${sentence}`, result.translations[0]!);
      }
    }
    const versions = new Set<string>();
    for (const { outcome, sentence } of answers.filter((answer) => answer.outcome.status === 200)) {
      const result = outcome.body as TranslateResult;
      versions.add(label(result));
      expect(result.translations[0], `${label(result)} for ${sentence}`).toBe(references.get(`${label(result)}\n${sentence}`));
    }
    return versions;
  }

  beforeAll(async () => {
    server = await startTranslationServer({
      SOTTO_TRANSLATION_MODELS: tinyNllb,
      SOTTO_TRANSLATION_PRECISION: 'fp32',
      SOTTO_CACHE_SIZE: '0',
      // Optional: keyed clients are sticky per key, and the helpers' unkeyed GETs still work.
      SOTTO_AUTH: 'optional',
      SOTTO_API_KEYS: JSON.stringify(clientIds.map((id) => ({ id, hash: sha256(clientKey(id)) }))),
      SOTTO_ADMIN_KEY_HASH: sha256(adminKey),
      SOTTO_CANARY_MIN_REQUESTS: '10',
      SOTTO_ROLLBACK_GRACE_MS: '60000',
    }, undefined, faultServerEntry);
  }, 120_000);

  afterAll(() => server?.stop());

  it('deploys, swaps and rolls back with zero failed requests and no mixed answers', async () => {
    const before = (await admin('models')).models![0]!;
    expect(before).toMatchObject({ name: served, stable: { modelId: tinyNllb, status: 'ready' } });
    const rollout = (async () => {
      await sleep(3000);
      const deployed = await admin(`models/${served}/deploy`, { modelId: tinyMarian });
      newVersion = deployed.serving;
      expect(deployed).toMatchObject({ stable: { modelId: tinyMarian, status: 'ready' }, previous: { version: before.serving } });
      await sleep(4000);
      expect(await admin(`models/${served}/rollback`)).toMatchObject({ serving: before.serving });
      await sleep(3000);
    })();
    const answers = await stream(rollout);
    const failed = answers.filter((answer) => answer.outcome.status !== 200);
    expect(failed.map((answer) => answer.outcome.body ?? answer.outcome.error)).toEqual([]);
    expect(answers.length).toBeGreaterThan(30);
    expect(await expectMatchingReferences(answers)).toEqual(new Set([before.serving, newVersion]));
  }, 60_000);

  it('rolls a canary with injected errors back automatically; the stable keeps serving', async () => {
    await admin('test/faults', { version: newVersion, errorRate: 1 });
    // Three of the five clients' buckets fall under the share: the canary gets traffic, and not all of it.
    const buckets = clientIds.map((id) => bucketOf(served, `key:${id}`)).sort((a, b) => a - b);
    const canaryPercent = buckets[2]! + 0.001;
    const rolledBack = (async () => {
      expect(await admin(`models/${served}/deploy`, { modelId: tinyMarian, canaryPercent })).toMatchObject({
        candidate: { version: newVersion, phase: 'warmed' },
      });
      for (let i = 0; i < 200 && (await admin('models')).models![0]!.candidate; i++) await sleep(100);
      await sleep(1000);
    })();
    const answers = await stream(rolledBack);
    // The references below ask for each version by model id, which the injected fault would fail too.
    await admin('test/faults', { version: newVersion, errorRate: 0 });
    const view = (await admin('models')).models![0]!;
    expect(view.candidate).toBeUndefined();
    expect(view.rollbacks[0]).toMatchObject({ from: newVersion, to: view.serving, reason: 'error-rate' });
    const failed = answers.filter((answer) => answer.outcome.status !== 200);
    expect(failed.length).toBeGreaterThanOrEqual(10);
    expect(failed.every((answer) => answer.outcome.status === 503 && (answer.outcome.body as { code: string }).code === 'worker-failed')).toBe(true);
    expect(await expectMatchingReferences(answers)).toEqual(new Set([view.serving]));

    const after = await Promise.all(
      clientIds.map((id) => server.translate({ segments: [sentences[0]], source: 'en', target: 'de' }, { Authorization: `Bearer ${clientKey(id)}` })),
    );
    expect(after.map((outcome) => label(outcome.body as TranslateResult))).toEqual(clientIds.map(() => view.serving));
    const metrics = await (await fetch(new URL('metrics', server.url))).text();
    expect(metrics).toMatch(new RegExp(`^sotto_rollbacks_total\\{model="${served}",reason="error-rate"\\} 1$`, 'm'));
    expect(metrics).toMatch(new RegExp(`^sotto_rollbacks_total\\{model="${served}",reason="manual"\\} 1$`, 'm'));
  }, 60_000);
});
