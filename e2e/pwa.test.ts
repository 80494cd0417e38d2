import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { filesFor, findModel, parseManifest, type ModelEntry } from '../contract/manifest-schema.ts';
import { defaults } from '../server/config.ts';
import { MODELS_CACHE } from '../web/shared/cache-names.ts';
import { modelSlug } from '../web/shared/model-storage.ts';
import { expectWordLike, outcome, waitUntilIdle } from './support/app-page.ts';
import { launchPersistentChromium } from './support/browser.ts';
import { launchForTest } from './support/harness.ts';
import { repoRoot } from './support/paths.ts';
import { startServer, type RunningServer } from '../testing/server-process.ts';
import { installProbe, probedEvents } from './support/transcript-probe.ts';

const fixtures = inject('audioFixtures');
const manifest = parseManifest(JSON.parse(readFileSync(join(repoRoot, 'models/manifest.json'), 'utf8')));
const asrModel = findModel(manifest, manifest.defaults.asr);
const deviceModel = findModel(manifest, manifest.defaults.translation!.device);
// Recordings in English use the live model: the page loads it with the speech model, so it is cached with it.
const liveModel = findModel(manifest, defaults.liveAsrModel);

/** The browser APIs the page functions below use: e2e code compiles without the DOM library. */
interface InPage {
  caches: { keys(): Promise<string[]>; open(name: string): Promise<{ keys(): Promise<{ url: string }[]> }> };
  navigator: { serviceWorker: { controller: { state: string } | null; getRegistration(): Promise<{ update(): Promise<unknown> } | undefined> } };
  document: { getElementById(id: string): { textContent: string | null } | null };
  MutationObserver: new (callback: () => void) => { observe(target: unknown, options: Record<string, boolean>): void };
  __progressTexts: string[];
}

/** A server on its own copy of the build, which a test may change (a new sw.js) without touching other tests. */
async function serveCopy(): Promise<{ server: RunningServer; distDir: string; workDir: string }> {
  const workDir = mkdtempSync(join(tmpdir(), 'sotto-pwa-'));
  const distDir = join(workDir, 'dist');
  cpSync(inject('distDir'), distDir, { recursive: true, preserveTimestamps: true });
  const server = await startServer({ SOTTO_DIST_DIR: distDir });
  onTestFinished(async () => {
    await server.stop();
    rmSync(workDir, { recursive: true, force: true });
  });
  return { server, distDir, workDir };
}

async function openPage(context: BrowserContext, url: string): Promise<Page> {
  context.setDefaultTimeout(100_000);
  const page = await context.newPage();
  await installProbe(page);
  await page.goto(url);
  await waitForReady(page);
  return page;
}

async function waitForReady(page: Page): Promise<void> {
  await waitUntilIdle(page);
  expect((await outcome(page)).error).toBeUndefined();
  expect(await page.locator('#status').textContent()).toMatch(/^Ready/);
}

/** Waits until a service worker controls the page, and returns the shell caches and the models cache's paths. */
async function cacheContents(page: Page): Promise<{ caches: string[]; models: string[]; shell: string[] }> {
  await page.waitForFunction(() => (globalThis as unknown as InPage).navigator.serviceWorker.controller?.state === 'activated');
  return page.evaluate(async (modelsCache) => {
    const { caches } = globalThis as unknown as InPage;
    const names = await caches.keys();
    const paths = async (name: string) => (await (await caches.open(name)).keys()).map((request) => new URL(request.url).pathname);
    const shellName = names.find((name) => name.startsWith('sotto-shell-'));
    return { caches: names.sort(), models: (await paths(modelsCache)).sort(), shell: shellName ? await paths(shellName) : [] };
  }, MODELS_CACHE);
}

const modelUrls = (model: ModelEntry) => filesFor(model, 'q8').map((file) => `/models/${model.id}/${file.path}`);

async function waitForCached(page: Page, model: ModelEntry, cached: boolean): Promise<void> {
  await page.locator(`#model-state-${modelSlug(model.id)}[data-cached="${cached}"]`).waitFor({ state: 'attached' });
}

describe('installable PWA that works offline', () => {
  it('is installable, caches the shell and models, then records, transcribes and translates with no network', async () => {
    const { server, workDir } = await serveCopy();
    const context = await launchPersistentChromium(join(workDir, 'profile'), { fakeMicrophoneWav: fixtures.speech });
    onTestFinished(() => context.close());
    const page = await openPage(context, server.url);

    const cdp = await context.newCDPSession(page);
    expect(await cdp.send('Page.getInstallabilityErrors')).toEqual({ installabilityErrors: [] });

    await waitForCached(page, asrModel, true);
    // The live model is listed with the other device models, cached with the speech model.
    await waitForCached(page, liveModel, true);
    expect(await page.locator(`#model-state-${modelSlug(liveModel.id)}`).textContent()).toMatch(/^On this device \(q8, .+B\)$/);
    await page.locator(`#model-state-${modelSlug(deviceModel.id)} ~ button:text("Download")`).click();
    await waitForCached(page, deviceModel, true);
    const cached = await cacheContents(page);
    expect(cached.models).toEqual([...modelUrls(asrModel), ...modelUrls(liveModel), ...modelUrls(deviceModel)].sort());
    // One copy of each model file: none in the shell cache, none in transformers.js's default cache.
    expect(cached.caches).not.toContain('transformers-cache');
    expect(cached.shell.filter((path) => path.startsWith('/models/'))).toEqual([]);
    expect(cached.shell).toEqual(expect.arrayContaining(['/index.html', '/manifest.webmanifest', '/icon-maskable-512.png']));
    expect(cached.shell.some((path) => path.endsWith('.wasm'))).toBe(true);
    expect(await page.locator('#storage-estimate').textContent()).toMatch(/^Storage: .+ used, .+ available$/);

    // No network: the server is gone and the browser (service worker and workers included) is offline.
    await server.stop();
    await context.setOffline(true);
    await page.reload();
    await waitForReady(page);
    await expect.poll(() => page.locator('#connectivity').textContent()).toBe('Offline: translating on this device');
    await page.locator('#target-language').selectOption('de');

    await page.locator('#file-input').setInputFiles(fixtures.speech);
    await waitUntilIdle(page);
    const file = await outcome(page);
    expect(file.error).toBeUndefined();
    expectWordLike(file.transcript);
    await page.locator('#translation .segment[data-status="done"]').first().waitFor();
    expectWordLike((await page.locator('#translation .segment[data-status="done"]').first().textContent()) ?? '');

    const eventsBefore = (await probedEvents(page)).length;
    await page.locator('#record').click();
    await page.locator('#listening[data-state="listening"]').waitFor({ state: 'attached' });
    const heard = async () => (await probedEvents(page)).slice(eventsBefore).some((event) => event.type === 'final' && event.text.trim() !== '');
    await expect.poll(heard, { timeout: 60_000 }).toBe(true);
    await page.locator('#record').click();
    await waitUntilIdle(page);
    expect((await outcome(page)).error).toBeUndefined();
    expect(await page.locator('#translation .segment[data-status="failed"]').count()).toBe(0);
  });

  it('offers an update, applies it on consent, and re-downloads a deleted model with progress', async () => {
    const { server, distDir } = await serveCopy();
    const browser = await launchForTest({});
    const context = await browser.newContext();
    const page = await openPage(context, server.url);
    const before = await cacheContents(page);
    expect(await page.locator('#update-banner').isHidden()).toBe(true);

    const swPath = join(distDir, 'sw.js');
    const oldShell = before.caches.find((name) => name.startsWith('sotto-shell-'))!;
    const oldVersion = oldShell.slice('sotto-shell-'.length);
    writeFileSync(swPath, readFileSync(swPath, 'utf8').replaceAll(oldVersion, 'e2e-update'));
    await page.evaluate(async () => (await (globalThis as unknown as InPage).navigator.serviceWorker.getRegistration())?.update());
    await page.locator('#update-banner').waitFor({ state: 'visible' });
    // The old worker keeps serving until the person consents.
    expect((await cacheContents(page)).caches).toContain(oldShell);

    await Promise.all([page.waitForEvent('load'), page.locator('#update-reload').click()]);
    await waitForReady(page);
    const after = await cacheContents(page);
    expect(after.caches.filter((name) => name.startsWith('sotto-shell-'))).toEqual(['sotto-shell-e2e-update']);
    expect(await page.locator('#update-banner').isHidden()).toBe(true);

    const slug = modelSlug(asrModel.id);
    await page.evaluate((id) => {
      const { document, MutationObserver } = globalThis as unknown as InPage;
      const seen: string[] = [];
      Object.assign(globalThis, { __progressTexts: seen });
      const target = document.getElementById(id)!;
      new MutationObserver(() => seen.push(target.textContent ?? '')).observe(target, { childList: true, characterData: true, subtree: true });
    }, `model-progress-${slug}`);
    await page.locator(`#model-state-${slug} ~ button:text("Delete")`).click();
    await waitForCached(page, asrModel, false);
    expect((await cacheContents(page)).models.some((path) => path.startsWith(`/models/${asrModel.id}/`))).toBe(false);
    await page.locator(`#model-state-${slug} ~ button:text("Download")`).click();
    await waitForCached(page, asrModel, true);
    const progress = await page.evaluate(() => (globalThis as unknown as InPage).__progressTexts);
    expect(progress.some((text) => /^[\d.]+ [kMG]?B of [\d.]+ [kMG]?B/.test(text))).toBe(true);
    expect((await cacheContents(page)).models).toEqual(expect.arrayContaining(modelUrls(asrModel)));
  });
});
