import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, type RunningServer } from '../server-process.ts';
import { sharedDataFile } from '../shared-data.ts';
import { repoRoot } from '../../server/config.ts';
import type { ModelInfo } from '../../server/translation/loaded-models.ts';
import type { EngineStats, TranslateResult } from '../../server/translation/service.ts';
import { post, type LoadOutcome } from './load-client.ts';

/** The real server process (`tsx server/main.ts`, or another `entry`) with translation running, for load, fault and benchmark runs. */

export const tinyNllb = 'sotto/nllb-tiny-random';

const floresFile = sharedDataFile('mt/flores200-devtest-first200.eng');

export const floresPresent = () => floresFile !== undefined;

/** The English FLORES-200 devtest sentences (the first 200), one per line. */
export function readFlores(): string[] {
  if (!floresFile) throw new Error('FLORES-200 is not in ../shared/data/mt/');
  return readFileSync(floresFile, 'utf8').split('\n').filter((line) => line.trim() !== '');
}

const modelPresent = (id: string) => existsSync(path.join(repoRoot, 'models', ...id.split('/'), 'config.json'));

/** Generates the tiny models when missing (a fresh checkout); false if they are still missing after that. */
export function ensureTinyModels(): boolean {
  if (!modelPresent(tinyNllb)) {
    spawnSync('npx', ['tsx', 'models/generate/main.ts', '--size', 'tiny'], { cwd: repoRoot, stdio: 'inherit', timeout: 300_000 });
  }
  return modelPresent(tinyNllb);
}

/** Opens /admin/stats (worker process ids) on the servers started here, unless `env` sets another admin key hash. */
const adminKey = `sotto-admin.${'l'.repeat(43)}`;
const adminKeyHash = `sha256$${createHash('sha256').update(adminKey).digest('hex')}`;

export interface TranslationServer extends RunningServer {
  translate(body: object, headers?: Record<string, string>): Promise<Omit<LoadOutcome, 'index'>>;
  /** Translates `segments` from English to German and fails unless the answer is a 200. */
  translateOk(segments: string[]): Promise<TranslateResult>;
  /** The admin's view (GET /admin/stats), with the inference processes' ids. */
  stats(): Promise<EngineStats>;
  models(): Promise<ModelInfo[]>;
}

async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(url, { headers });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/**
 * Starts the server with `env` (SOTTO_TRANSLATION_MODELS naming the models) on the CPU provider and
 * waits until those models are loaded. The web app is served from an empty folder, so that start-up
 * never runs a build.
 */
export async function startTranslationServer(
  env: Record<string, string>,
  readyTimeoutMs = 180_000,
  entry?: readonly string[],
): Promise<TranslationServer> {
  const distDir = mkdtempSync(path.join(tmpdir(), 'sotto-load-dist-'));
  let running: RunningServer;
  try {
    // No API keys and no per-address limits: every load request comes from 127.0.0.1, and what is under
    // test is the engine's own admission (its queue), not the anonymous limits in front of it.
    const open = { SOTTO_AUTH: 'off', SOTTO_ANON_RATE_PER_MINUTE: '0', SOTTO_ANON_CHARS_PER_MINUTE: '0', SOTTO_ADMIN_KEY_HASH: adminKeyHash };
    running = await startServer({ SOTTO_DIST_DIR: distDir, SOTTO_PROVIDERS: 'cpu', ...open, ...env }, readyTimeoutMs, undefined, entry);
  } catch (err) {
    rmSync(distDir, { recursive: true, force: true });
    throw err;
  }
  const server: TranslationServer = {
    ...running,
    stop: async () => {
      await running.stop();
      rmSync(distDir, { recursive: true, force: true });
    },
    translate: (body, headers) => post(running.url, { path: 'v1/translate', body, headers }),
    translateOk: async (segments) => {
      const outcome = await server.translate({ segments, source: 'en', target: 'de' });
      if (outcome.status !== 200) throw new Error(`Expected 200, got ${outcome.status}: ${JSON.stringify(outcome.body ?? outcome.error)}`);
      return outcome.body as TranslateResult;
    },
    stats: () => getJson<EngineStats>(`${running.url}admin/stats`, { Authorization: `Bearer ${adminKey}` }),
    models: async () => (await getJson<{ models: ModelInfo[] }>(`${running.url}v1/models`)).models,
  };
  const wanted = (env.SOTTO_TRANSLATION_MODELS ?? '').split(',').filter(Boolean);
  try {
    await waitForModels(server, wanted, Date.now() + readyTimeoutMs);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

async function waitForModels(server: TranslationServer, ids: string[], deadline: number): Promise<void> {
  for (;;) {
    const models = (await server.models()).filter((model) => ids.includes(model.id));
    const failed = models.find((model) => model.status === 'failed' || model.status === 'missing');
    if (failed) throw new Error(`Model ${failed.id} is ${failed.status}: ${failed.error ?? ''}\n${server.output()}`);
    if (models.length === ids.length && models.every((model) => model.status === 'ready')) return;
    if (Date.now() > deadline) throw new Error(`Models ${ids.join(', ')} were not ready in time:\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
