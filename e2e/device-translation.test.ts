import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findModel, isTranslationModel, parseManifest, type TranslationModelEntry } from '../contract/manifest-schema.ts';
import { ServerTranslator } from '../web/client/server-translator.ts';
import { launchChromium } from './support/browser.ts';
import { NetworkAudit } from './support/network-audit.ts';
import { repoRoot } from './support/paths.ts';
import { startServer, type RunningServer } from '../testing/server-process.ts';

/**
 * The on-device translation worker in Chromium, and the web's server client against the real server.
 * The worker is not in the app's build until the UI creates a pipeline, so this file builds a page of
 * its own that exposes DeviceTranslator, with the app's vite config, and serves it from the real server.
 */

const manifest = parseManifest(JSON.parse(readFileSync(join(repoRoot, 'models/manifest.json'), 'utf8')));

function translationModel(id: string): TranslationModelEntry {
  const model = findModel(manifest, id);
  if (!isTranslationModel(model)) throw new Error(`${id} is not a translation model`);
  return model;
}

async function buildProbePage(outDir: string): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'sotto-translation-probe-'));
  try {
    const translator = relative(root, join(repoRoot, 'web/client/device-translator.ts')).split('\\').join('/');
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>probe</title><script type="module" src="./probe.ts"></script>\n');
    writeFileSync(join(root, 'probe.ts'), `import { DeviceTranslator } from '${translator}';\nObject.assign(globalThis, { DeviceTranslator });\n`);
    await build({ configFile: join(repoRoot, 'vite.config.ts'), root, publicDir: false, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

interface ProbeResult {
  loaded: { backend: string; precision: string; threads: number; fallbackReason?: string };
  translations: string[];
  progressFiles: string[];
  abortError: string;
  afterAbort: string[];
  /** Whether a fresh translator finds the model in the browser's cache. */
  cached: boolean;
}

/** Loads `model` in the translation worker, translates, cancels a translation, and translates again. */
function translateInPage(page: Page, model: TranslationModelEntry, source: string, target: string, backend: 'wasm' | 'webgpu' = 'wasm'): Promise<ProbeResult> {
  return page.evaluate(
    async ({ model, source, target, backend }) => {
      interface Translator {
        load(): Promise<ProbeResult['loaded']>;
        translate(texts: string[], source: string, target: string, signal?: AbortSignal): Promise<{ translations: string[] }>;
        isCached(): Promise<boolean>;
        dispose(): void;
      }
      type Options = { model: unknown; backend: 'wasm' | 'webgpu'; onProgress: (p: { file: string }) => void };
      const { DeviceTranslator } = globalThis as unknown as { DeviceTranslator: new (options: Options) => Translator };
      const progressFiles = new Set<string>();
      const translator = new DeviceTranslator({ model, backend, onProgress: (p) => progressFiles.add(p.file) });
      const loaded = await translator.load();
      const { translations } = await translator.translate(['Hello, world.', 'How are you today?', 'Good night.'], source, target);
      const abortError = await translator.translate(['Cancelled'], source, target, AbortSignal.abort()).then(
        () => 'not cancelled',
        (error: Error) => error.name,
      );
      const afterAbort = (await translator.translate(['Still here?'], source, target)).translations;
      translator.dispose();
      const cached = await new DeviceTranslator({ model, backend, onProgress: () => undefined }).isCached();
      return { loaded, translations, progressFiles: [...progressFiles], abortError, afterAbort, cached };
    },
    { model, source, target, backend },
  );
}

describe('on-device translation in Chromium', () => {
  let outDir: string;
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'sotto-translation-dist-'));
    await buildProbePage(outDir);
    server = await startServer({ SOTTO_DIST_DIR: outDir });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(outDir, { recursive: true, force: true });
  });

  it('loads the tiny opus-mt model from /models/ in its worker and translates a batch, text only', async () => {
    const page = await browser.newPage();
    const audit = await NetworkAudit.attach(page, server.url);
    await page.goto(server.url);
    const model = translationModel(manifest.defaults.translation!.device);
    const result = await translateInPage(page, model, 'en', 'de');
    const report = await audit.finish();

    expect(result.loaded).toMatchObject({ backend: 'wasm', precision: 'q8' });
    expect(result.translations).toHaveLength(3);
    for (const text of result.translations) expect(text.trim()).not.toBe('');
    expect(result.abortError).toBe('AbortError');
    expect(result.afterAbort).toHaveLength(1);
    expect(result.cached).toBe(true);
    expect(result.progressFiles).toContain(`/models/${model.id}/onnx/decoder_model_merged_quantized.onnx`);

    expect(report.findings).toEqual([]);
    const workerModelFiles = report.workerUrls.filter((url) => url.includes(`/models/${model.id}/`)).map((url) => new URL(url).pathname);
    expect(workerModelFiles).toContain(`/models/${model.id}/onnx/encoder_model_quantized.onnx`);
    expect(new Set(report.requests.map((r) => new URL(r.url).host))).toEqual(new Set([new URL(server.url).host]));
    expect(report.requests.some((r) => r.url.includes('/v1/'))).toBe(false);
    await page.close();
  });

  it('passes NLLB language codes to a many-to-many model', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    const result = await translateInPage(page, translationModel('sotto/nllb-tiny-random'), 'en', 'fr');
    expect(result.translations).toHaveLength(3);
    await page.close();
  });

  it('runs on WebGPU where the browser has it', async () => {
    const webgpuBrowser = await launchChromium({ webgpu: true });
    try {
      const page = await webgpuBrowser.newPage();
      await page.goto(server.url);
      const result = await translateInPage(page, translationModel(manifest.defaults.translation!.device), 'en', 'de', 'webgpu');
      expect(result.loaded.fallbackReason).toBeUndefined();
      expect(result.loaded).toMatchObject({ backend: 'webgpu', threads: 0 });
      expect(result.translations).toHaveLength(3);
    } finally {
      await webgpuBrowser.close();
    }
  });

  it('the web client talks to the real /v1 API: probe, translate, refusal', async () => {
    const client = new ServerTranslator({ baseUrl: server.url });
    let probe = await client.probe();
    for (let tries = 0; tries < 60 && !probe.models?.some((m) => m.status === 'ready'); tries += 1) {
      await new Promise((r) => setTimeout(r, 500));
      probe = await client.probe();
    }
    expect(probe).toMatchObject({ reachable: true, ready: true });
    expect(probe.models!.find((m) => m.status === 'ready')!.provider).toBe('cpu');

    const result = await client.translate(['Hello, world.', 'Good night.'], 'en', 'de', { deadlineMs: 30_000 });
    expect(result.failure).toBeUndefined();
    expect(result.translations).toHaveLength(2);
    expect(result.traffic.bytesSent).toBe(Buffer.byteLength(JSON.stringify({ segments: ['Hello, world.', 'Good night.'], source: 'en', target: 'de', deadlineMs: 30_000 })));

    const refused = await client.translate(['Hello'], 'en', 'tlh', { deadlineMs: 30_000 });
    expect(refused.failure).toMatchObject({ kind: 'refused', status: 422 });
  });
});
