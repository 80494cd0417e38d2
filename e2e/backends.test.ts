import type { Page, Response } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { wasmThreadCount } from '../web/shared/variant-choice.ts';
import { expectNoProblems, expectWordLike, openApp, openFile } from './support/app-page.ts';
import { launchForTest, useHarness } from './support/harness.ts';

const fixtures = inject('audioFixtures');
const harness = useHarness();

async function backendBadge(page: Page): Promise<{ backend: string | null; text: string }> {
  const badge = page.locator('#backend');
  return { backend: await badge.getAttribute('data-backend'), text: (await badge.textContent()) ?? '' };
}

/** "WebAssembly · q8 · 2 threads" → 2. */
function threadCount(badgeText: string): number {
  const match = /· (\d+) threads?$/.exec(badgeText);
  expect(match, `no thread count in "${badgeText}"`).not.toBeNull();
  return Number(match![1]);
}

/** COOP and COEP on the page, its worker script and a model file: what makes the page cross-origin isolated. */
async function expectIsolationHeaders(page: Page, responses: readonly Response[]): Promise<void> {
  const workerUrl = page.workers()[0]?.url();
  expect(workerUrl).toMatch(/\/assets\/asr-worker-[\w-]+\.js$/);
  const kinds = {
    page: (url: string) => new URL(url).pathname === '/',
    'worker script': (url: string) => url === workerUrl,
    'model file': (url: string) => /\/models\/.+\.onnx$/.test(url),
  };
  for (const [kind, matches] of Object.entries(kinds)) {
    const response = responses.find((candidate) => matches(candidate.url()));
    expect(response, `no response for the ${kind}`).toBeDefined();
    const headers = await response!.allHeaders();
    expect(headers['cross-origin-opener-policy'], kind).toBe('same-origin');
    expect(headers['cross-origin-embedder-policy'], kind).toBe('require-corp');
  }
}

describe('WebAssembly backend', () => {
  it('?backend=wasm runs multithreaded WebAssembly in a cross-origin isolated page', async () => {
    const responses: Response[] = [];
    const app = await openApp(harness.browser, harness.server, {
      query: '?backend=wasm',
      beforeNavigate: async (page) => {
        page.context().on('response', (response) => responses.push(response));
      },
    });
    const badge = await backendBadge(app.page);
    expect(badge.backend).toBe('wasm');
    expect(badge.text).toMatch(/^WebAssembly · /);
    // Without isolation there is no SharedArrayBuffer, and ORT falls back to one thread.
    expect(await app.page.evaluate('crossOriginIsolated')).toBe(true);
    const cores = await app.page.evaluate<number>('navigator.hardwareConcurrency');
    expect(threadCount(badge.text)).toBe(wasmThreadCount(cores, true));
    await expectIsolationHeaders(app.page, responses);
    expectNoProblems(app);
  });

  it.each([1, 2])('?backend=wasm&threads=%i uses that many threads', async (threads) => {
    const app = await openApp(harness.browser, harness.server, { query: `?backend=wasm&threads=${threads}` });
    const badge = await backendBadge(app.page);
    expect(badge.backend).toBe('wasm');
    expect(badge.text).toMatch(threads === 1 ? / · 1 thread$/ : new RegExp(` · ${threads} threads$`));
    expectNoProblems(app);
  });

  it('?backend=auto picks WebAssembly when the browser has no WebGPU', async () => {
    const app = await openApp(harness.browser, harness.server, { query: '?backend=auto' });
    expect((await backendBadge(app.page)).backend).toBe('wasm');
    expect(await app.page.evaluate("'gpu' in navigator ? navigator.gpu.requestAdapter() : null")).toBeNull();
    expectNoProblems(app);
  });
});

describe('WebGPU backend', () => {
  it('?backend=auto picks WebAssembly when the only WebGPU adapter is a software one (SwiftShader)', async () => {
    const browser = await launchForTest({ webgpu: true });
    const app = await openApp(browser, harness.server, { query: '?backend=auto' });
    expect(await app.page.evaluate("navigator.gpu.requestAdapter().then((adapter) => adapter && adapter.info.architecture + ' ' + adapter.info.vendor)")).toMatch(/swiftshader/i);
    expect((await backendBadge(app.page)).backend).toBe('wasm');
    expectNoProblems(app);
  });

  it('?backend=webgpu runs the model on WebGPU and transcribes a file', async () => {
    const browser = await launchForTest({ webgpu: true });
    const app = await openApp(browser, harness.server, { query: '?backend=webgpu' });
    const badge = await backendBadge(app.page);
    expect(badge.backend).toBe('webgpu');
    expect(badge.text).toMatch(/^WebGPU · /);
    // A "Ready. WebGPU failed (…)" status would mean it fell back to WebAssembly.
    expect(await app.page.locator('#status').textContent()).toBe('Ready');

    const result = await openFile(app.page, fixtures.speech);
    expect(result.error).toBeUndefined();
    expectWordLike(result.transcript);
    expectNoProblems(app);
  });
});
