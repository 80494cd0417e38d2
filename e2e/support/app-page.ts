import type { Browser, Page } from 'playwright-core';
import { expect, onTestFinished } from 'vitest';
import { NetworkAudit } from './network-audit.ts';
import type { RunningServer } from '../../testing/server-process.ts';
import { installProbe } from './transcript-probe.ts';

export interface AppPage {
  page: Page;
  /** Uncaught exceptions, console errors (the workers' included) and crashes, as they happened. */
  problems: string[];
}

export interface OpenOptions {
  /** Appended to the server's URL, e.g. '?backend=wasm'. */
  query?: string;
  /** Runs on the new page before it navigates (e.g. to start a network audit). */
  beforeNavigate?: (page: Page) => Promise<void>;
}

/** Opens the app in a fresh context (closed when the test ends) and waits for the model to load. */
export async function openApp(browser: Browser, server: RunningServer, options: OpenOptions = {}): Promise<AppPage> {
  const context = await browser.newContext();
  onTestFinished(() => context.close());
  // Model loads and transcriptions are slow on a busy 2-core machine: let waits run nearly as long as
  // the test may (120 s), so a slow step fails with Playwright's message rather than a bare test timeout.
  context.setDefaultTimeout(100_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console.error: ${message.text()}`);
  });
  page.on('crash', () => problems.push('the page crashed'));
  await installProbe(page);
  await options.beforeNavigate?.(page);
  await page.goto(`${server.url}${options.query ?? ''}`);
  await waitUntilIdle(page);
  await expectNoError(page);
  expect(await page.locator('#status').textContent()).toMatch(/^Ready/);
  // Once the service worker has installed it claims the page: waiting for that keeps it from taking over
  // mid-test, which would route the test's later requests (e.g. the audio worklet's module) differently.
  await page.waitForFunction(() => (globalThis as unknown as ControlledPage).navigator.serviceWorker.controller !== null);
  return { page, problems };
}

interface ControlledPage {
  navigator: { serviceWorker: { controller: object | null } };
}

/** Opens the app with a network audit running from before the first request. */
export async function openAudited(browser: Browser, server: RunningServer, options: Omit<OpenOptions, 'beforeNavigate'> = {}): Promise<AppPage & { audit: NetworkAudit }> {
  let audit: NetworkAudit | undefined;
  const app = await openApp(browser, server, {
    ...options,
    beforeNavigate: async (page) => {
      audit = await NetworkAudit.attach(page, server.url);
    },
  });
  return { ...app, audit: audit! };
}

/**
 * Waits until the app takes input again: after loading, a file, or a recording (inputs enabled,
 * no Cancel button), or until it shows an error.
 */
export async function waitUntilIdle(page: Page): Promise<void> {
  await page
    .locator('#error:not([hidden]), body:has(#file-input:enabled):has(#record:enabled):has(#cancel[hidden])')
    .first()
    .waitFor({ state: 'attached' });
}

export interface FileOutcome {
  status: string;
  /** The text of #error when it is shown. */
  error: string | undefined;
  /** The final text of the transcript, earlier recordings and files included. */
  transcript: string;
  partial: string;
}

/** Opens a file through #file-input and waits for the app to finish with it. */
export async function openFile(page: Page, path: string): Promise<FileOutcome> {
  await page.locator('#file-input').setInputFiles(path);
  // The change handler disables the inputs before its first await, so idle now means finished.
  await waitUntilIdle(page);
  return outcome(page);
}

export async function outcome(page: Page): Promise<FileOutcome> {
  const error = page.locator('#error');
  return {
    status: (await page.locator('#status').textContent()) ?? '',
    error: (await error.isVisible()) ? ((await error.textContent()) ?? '') : undefined,
    transcript: (await page.locator('#transcript .final').textContent()) ?? '',
    partial: (await page.locator('#transcript .partial').textContent()) ?? '',
  };
}

export async function expectNoError(page: Page): Promise<void> {
  const error = page.locator('#error');
  if (await error.isVisible()) expect.fail(`The app shows an error: ${await error.textContent()}`);
}

/** What a random-weight model can be trusted to produce: some text with letters in words. */
export function expectWordLike(text: string): void {
  expect(text.trim()).not.toBe('');
  expect(text).toMatch(/\p{L}{2,}/u);
}

/** The number in "RTF 0.08". */
export async function realTimeFactor(page: Page): Promise<number> {
  const text = (await page.locator('#rtf').textContent()) ?? '';
  expect(text).toMatch(/^RTF \d+(\.\d+)?$/);
  return Number(text.slice(4));
}

export function expectNoProblems(app: AppPage): void {
  expect(app.problems).toEqual([]);
}

/** No problems but the expected ones, e.g. Chromium's console line for a refused request. */
export function expectNoProblemsBut(app: AppPage, expected: RegExp): void {
  expect(app.problems.filter((problem) => !expected.test(problem))).toEqual([]);
}
