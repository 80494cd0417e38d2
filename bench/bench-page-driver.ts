import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../e2e/support/browser.ts';
import { BENCH_GLOBAL, type BenchPageApi } from './browser/bench-protocol.ts';

type Method = keyof BenchPageApi;

export interface BenchPage {
  browser: Browser;
  page: Page;
  call<M extends Method>(method: M, ...args: Parameters<BenchPageApi[M]>): Promise<Awaited<ReturnType<BenchPageApi[M]>>>;
  close(): Promise<void>;
}

/** A fresh headless Chromium on the bench page, so no configuration inherits another's caches or memory. */
export async function openBenchPage(url: string, webgpu: boolean): Promise<BenchPage> {
  const browser = await launchChromium({ webgpu });
  try {
    const page = await browser.newPage();
    page.on('pageerror', (error) => console.error(`  [page] ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') console.error(`  [page] ${message.text()} (${message.location().url})`);
    });
    await page.goto(url);
    await page.waitForFunction((name) => name in globalThis, BENCH_GLOBAL);
    return {
      browser,
      page,
      call: (method, ...args) =>
        // No named functions inside: the callback's source is sent to the page as it is.
        page.evaluate(
          ({ name, method, args }) => (globalThis as unknown as Record<string, Record<string, (...a: unknown[]) => unknown>>)[name]![method]!(...args),
          { name: BENCH_GLOBAL, method, args: args as unknown[] },
        ) as never,
      close: () => browser.close(),
    };
  } catch (error) {
    await browser.close();
    throw error;
  }
}
