import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../app.ts';
import { loadConfig, repoRoot } from '../config.ts';
import { startTranslationEngine, type TranslationEngine } from './engine.ts';
import { choosePrecision, PROVIDERS } from './providers.ts';
import { parseTranslationSettings, type TranslationSettings } from './settings.ts';
import { spawnInferenceProcess, spawnInferenceThread, type SpawnWorker } from './worker-hosts.ts';

/** The engine with the generated tiny models in real worker threads and processes: batching, ordering, crashes. */

const modelsDir = path.join(repoRoot, 'models');
const nllb = 'sotto/nllb-tiny-random';
const marian = 'sotto/opus-mt-en-de-tiny-random';
const present = () => [nllb, marian].every((id) => existsSync(path.join(modelsDir, ...id.split('/'), 'config.json')));

if (!present()) spawnSync('npx', ['tsx', 'models/generate/main.ts', '--size', 'tiny'], { cwd: repoRoot, stdio: 'inherit', timeout: 300_000 });
const missing = !present();
if (missing) {
  console.warn(`Skipping the real-model tests: ${nllb} and ${marian} are missing from models/ even after \`npx tsx models/generate/main.ts --size tiny\`.`);
}

function settings(env: Record<string, string>): TranslationSettings {
  const parsed = parseTranslationSettings({
    SOTTO_TRANSLATION_MODELS: nllb,
    SOTTO_TRANSLATION_WORKERS: '1',
    SOTTO_CACHE_SIZE: '0',
    SOTTO_BATCH_MAX_DELAY_MS: '25',
    ...env,
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.settings;
}

/** Spawns real workers, counts the batches sent to them, and kills a worker as soon as it has a batch, when asked. */
function instrumented(host: SpawnWorker, kill: 'exit' | 'terminate') {
  const control = { batches: 0, killsPending: 0 };
  const spawn: SpawnWorker = (init) => {
    const worker = host(init);
    const post = worker.postMessage.bind(worker);
    worker.postMessage = (message) => {
      post(message);
      if (message.type !== 'translate') return;
      control.batches += 1;
      if (control.killsPending === 0) return;
      control.killsPending -= 1;
      // A thread exits from its own event loop, between two session runs of the batch it just started, as an
      // uncaught error would end it (terminate() in the middle of a run aborts the process); a process gets SIGKILL.
      if (kill === 'exit') post({ type: 'exit', code: 1 });
      else void worker.terminate();
    };
    return worker;
  };
  return { control, spawn };
}

async function ready(engine: TranslationEngine, ...ids: string[]): Promise<void> {
  await vi.waitFor(
    () => {
      const statuses = engine.models().filter((model) => ids.includes(model.id));
      expect(statuses.map((model) => model.error ?? model.status)).toEqual(ids.map(() => 'ready'));
    },
    { timeout: 60_000, interval: 50 },
  );
}

const inputs = [
  'Hello, world.',
  'How are you today, my friend?',
  'Hi',
  'The quick brown fox jumps over the lazy dog and keeps on running far away.',
  'Numbers: 1, 2, 3.',
  'Where is the station?',
];
const many = Array.from({ length: 128 }, (_, i) => `Sentence number ${i}, with a few more words to translate.`);

describe.skipIf(missing)('the real tiny models in worker threads', () => {
  const { control, spawn } = instrumented(spawnInferenceThread, 'exit');
  // CUDA then CPU: a real fallback where CUDA is absent, without WebGPU's slow adapter probe on every respawn.
  const config = settings({ SOTTO_PROVIDERS: 'cuda,cpu' });
  let engine: TranslationEngine;
  const alone = new Map<string, string>();

  const translate = (segments: string[], model?: string) => engine.translate({ segments, source: 'en', target: 'de', model });

  beforeAll(async () => {
    engine = await startTranslationEngine(config, modelsDir, { spawn, log: () => {} });
    await ready(engine, nllb);
    for (const text of inputs) alone.set(text, (await translate([text])).translations[0]!);
  }, 120_000);

  afterAll(() => engine?.stop());

  it('runs the model on the first provider that works, in the precision that suits it', () => {
    const info = engine.models().find((model) => model.id === nllb)!;
    expect(PROVIDERS).toContain(info.provider);
    expect(info.precision).toBe(choosePrecision(info.provider!, ['fp32', 'fp16', 'q8', 'q4'], 'auto'));
  });

  it('returns a batch in order, each segment as it translates alone', async () => {
    const result = await translate(inputs);
    expect(result.translations).toEqual(inputs.map((text) => alone.get(text)));
    expect(new Set(result.translations).size).toBe(inputs.length);
  });

  it('batches concurrent callers together without mixing up their outputs', async () => {
    const before = control.batches;
    const requests = [inputs.slice(0, 2), inputs.slice(2, 3), inputs.slice(3, 6), [...inputs].reverse()];
    const results = await Promise.all(requests.map((segments) => translate(segments)));
    results.forEach((result, i) => expect(result.translations).toEqual(requests[i]!.map((text) => alone.get(text))));
    expect(control.batches - before).toBe(1);
  });

  it('answers /healthz while a batch computes', async () => {
    const app = createApp(loadConfig({}), { service: engine, limits: config.limits });
    let done = false;
    const translating = Promise.resolve(
      app.request('/v1/translate', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ segments: many, source: 'en', target: 'de' }),
      }),
    ).finally(() => {
      done = true;
    });
    await vi.waitFor(() => expect(engine.stats().queue.batchesInFlight).toBeGreaterThan(0));
    const health = await app.request('/healthz');
    expect(health.status).toBe(200);
    expect(done).toBe(false);
    expect((await translating).status).toBe(200);
  });

  it('retries a batch whose worker died mid-batch on a new worker', async () => {
    const restarts = engine.stats().workers.restarts;
    control.killsPending = 1;
    const result = await translate(inputs);
    expect(result.translations).toEqual(inputs.map((text) => alone.get(text)));
    expect(engine.stats().workers.restarts).toBe(restarts + 1);
  });

  it('answers 503 problem+json when the retry dies too, and serves the next request', async () => {
    const app = createApp(loadConfig({}), { service: engine, limits: config.limits });
    const post = () =>
      app.request('/v1/translate', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ segments: inputs.slice(0, 2), source: 'en', target: 'de' }),
      });
    control.killsPending = 2;
    const failed = await post();
    expect(failed.status).toBe(503);
    expect(failed.headers.get('Content-Type')).toBe('application/problem+json');
    expect(await failed.json()).toMatchObject({ status: 503, code: 'worker-failed' });
    const next = await post();
    expect(next.status).toBe(200);
    expect(((await next.json()) as { translations: string[] }).translations).toEqual(inputs.slice(0, 2).map((text) => alone.get(text)));
  });

  it('loads a model on demand when a request names it', async () => {
    const result = await translate(['Hello, world.'], marian);
    expect(result.model.id).toBe(marian);
    expect(result.translations[0]).toEqual(expect.any(String));
    expect(engine.models().find((model) => model.id === marian)).toMatchObject({ status: 'ready' });
  });
});

describe.skipIf(missing)('the real tiny model in a worker process', () => {
  const { control, spawn } = instrumented(spawnInferenceProcess, 'terminate');
  let engine: TranslationEngine;

  beforeAll(async () => {
    const processSettings = settings({ SOTTO_INFERENCE_ISOLATION: 'process', SOTTO_PROVIDERS: 'cpu' });
    engine = await startTranslationEngine(processSettings, modelsDir, { spawn, log: () => {} });
    await ready(engine, nllb);
  }, 120_000);

  afterAll(() => engine?.stop());

  it('survives SIGKILL of the worker mid-batch and retries the batch on a new process', async () => {
    const request = { segments: many.slice(0, 32), source: 'en', target: 'de' };
    const expected = (await engine.translate(request)).translations;
    control.killsPending = 1;
    expect((await engine.translate(request)).translations).toEqual(expected);
    expect(engine.stats().workers.restarts).toBe(1);
  });
});
