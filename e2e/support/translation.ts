import type { Page, Route } from 'playwright-core';
import { expect } from 'vitest';
import { waitUntilIdle } from './app-page.ts';
import type { AuditedRequest, AuditReport } from './network-audit.ts';

const TRANSLATE_PATH = '/v1/translate';
const settledRows = '#translation [data-segment-id]:not([data-status="pending"])';

/** Waits until at least `count` segments have their translation (or failure) shown. */
export async function waitForTranslations(page: Page, count: number): Promise<void> {
  await page.locator(settledRows).nth(count - 1).waitFor({ state: 'attached' });
}

/** Waits until no segment waits for its translation. */
export async function waitUntilTranslated(page: Page): Promise<void> {
  await page.locator('#translation [data-status="pending"]').first().waitFor({ state: 'detached' });
}

export function settledCount(page: Page): Promise<number> {
  return page.locator(settledRows).count();
}

/** Records from the (fake) microphone until `count` segments are translated, stops, and waits for the rest. */
export async function recordTranslated(page: Page, count: number): Promise<void> {
  await page.locator('#record').click();
  await waitForTranslations(page, count);
  await page.locator('#record').click();
  await waitUntilIdle(page);
  await waitUntilTranslated(page);
}

/** Segment rows side by side: each transcript row has a translated row with the same id. */
export async function expectSideBySide(page: Page): Promise<void> {
  const ids = async (column: string) => Promise.all((await page.locator(`#${column} [data-segment-id]`).all()).map((row) => row.getAttribute('data-segment-id')));
  const transcriptIds = await ids('transcript');
  expect(transcriptIds.length).toBeGreaterThan(0);
  expect(await ids('translation')).toEqual(transcriptIds);
  expect(await page.locator('#translation [data-segment-id]:not([data-status="done"])').count()).toBe(0);
  for (const text of await page.locator('#translation [data-segment-id]').allTextContents()) expect(text.trim()).not.toBe('');
}

export function isTranslateRequest(request: Pick<AuditedRequest, 'method' | 'url'>): boolean {
  return request.method === 'POST' && new URL(request.url).pathname === TRANSLATE_PATH;
}

/** The audit's findings, less the size findings of translation requests: their JSON text bodies may exceed 1 KB. */
export function findingsBesidesTranslationText(report: AuditReport): string[] {
  return report.findings.filter((finding) => !/^POST \S+\/v1\/translate \(\w+\): body of \d+ bytes$/.test(finding));
}

/**
 * Checks the page's ledger against the browser's network log: no audio, no body but translation
 * requests' JSON text, and the ledger's "text sent" is exactly those bodies' bytes. Returns that sum.
 */
export async function expectLedgerMatchesNetwork(page: Page, report: AuditReport): Promise<number> {
  expect(findingsBesidesTranslationText(report)).toEqual([]);
  const withBodies = report.requests.filter((request) => request.body === undefined || request.body.length > 0);
  for (const request of withBodies) {
    expect(isTranslateRequest(request), `${request.method} ${request.url} carries a body`).toBe(true);
    const body = JSON.parse(request.body!.toString('utf8')) as { segments: unknown };
    expect(Array.isArray(body.segments) && body.segments.every((segment) => typeof segment === 'string')).toBe(true);
  }
  const sent = withBodies.reduce((sum, request) => sum + request.body!.length, 0);
  expect(await page.locator('#ledger-text-sent').getAttribute('data-bytes')).toBe(String(sent));
  expect(await page.locator('#ledger-audio-sent').textContent()).toBe('0 B');
  expect(await page.locator('#ledger-audio-sent').getAttribute('data-bytes')).toBe('0');
  return sent;
}

/** Answers every /v1/translate request with this problem, and records when each came. */
export async function refuseTranslations(page: Page, status: number, title: string, headers: Record<string, string> = {}): Promise<number[]> {
  const times: number[] = [];
  await page.route('**/v1/translate', (route: Route) => {
    times.push(Date.now());
    return route.fulfill({ status, headers: { 'Content-Type': 'application/problem+json', ...headers }, body: JSON.stringify({ type: 'about:blank', title, status }) });
  });
  return times;
}
