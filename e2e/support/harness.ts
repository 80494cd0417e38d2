import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, inject, onTestFinished } from 'vitest';
import { launchChromium, type BrowserOptions } from './browser.ts';
import { startServer, waitUntilReady, type RunningServer } from '../../testing/server-process.ts';

export interface Harness {
  server: RunningServer;
  browser: Browser;
}

/**
 * The server, on the build global-setup made, so a concurrent `vite build` cannot change it mid-run.
 * Returned once it is ready (see waitUntilReady).
 */
export async function startAppServer(port?: number): Promise<RunningServer> {
  const server = await startServer({ SOTTO_DIST_DIR: inject('distDir') }, undefined, port);
  await waitUntilReady(server);
  return server;
}

/** One server and one browser for the test file (beforeAll/afterAll); fields are set once beforeAll ran. */
export function useHarness(browserOptions: BrowserOptions = {}): Harness {
  const harness = {} as Harness;
  beforeAll(async () => {
    harness.server = await startAppServer();
    harness.browser = await launchChromium(browserOptions);
  });
  afterAll(async () => {
    await harness.browser?.close();
    await harness.server?.stop();
  });
  return harness;
}

/** A second browser with other flags, closed when the test ends. */
export async function launchForTest(options: BrowserOptions): Promise<Browser> {
  const browser = await launchChromium(options);
  onTestFinished(() => browser.close());
  return browser;
}
