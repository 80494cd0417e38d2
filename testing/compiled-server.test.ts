import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../scripts/build-server.ts';
import { repoRoot } from '../server/config.ts';
import { ensureTinyModels, startTranslationServer, tinyNllb, type TranslationServer } from './load/translation-server.ts';
import { compiledServerEntry } from './server-process.ts';

/** What the container image runs: dist-server/ from `npm run build:server`, started by node alone. */

const runnable = ensureTinyModels();
if (!runnable) console.warn('Skipping the compiled server test: the tiny NLLB model is missing.');

describe.skipIf(!runnable)('the compiled server (node dist-server/main.js, no tsx)', () => {
  let packages: string[] = [];
  let server: TranslationServer | undefined;

  beforeAll(async () => {
    packages = await buildServer();
  }, 120_000);

  afterEach(() => server?.stop());

  it('imports only production dependencies, which `npm ci --omit=dev` installs', () => {
    const { dependencies } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(packages).toContain('hono');
    expect(packages.filter((name) => !(name in dependencies))).toEqual([]);
  });

  it.each(['process', 'thread'])('answers /healthz and translates with the tiny model, its inference workers as a %s', async (isolation) => {
    expect(compiledServerEntry.join(' ')).not.toMatch(/tsx|\.ts\b/);
    server = await startTranslationServer({ SOTTO_TRANSLATION_MODELS: tinyNllb, SOTTO_INFERENCE_ISOLATION: isolation }, 120_000, compiledServerEntry);
    const health = await fetch(new URL('healthz', server.url));
    expect(health.status).toBe(200);
    const result = await server.translateOk(['The train to the city leaves at noon.']);
    expect(result.translations).toHaveLength(1);
    expect(result.translations[0]!.length).toBeGreaterThan(0);
    expect(result.model.id).toBe(tinyNllb);
  }, 180_000);
});
