import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { waitUntilIdle } from './app-page.ts';

/** The rows of a column, one per segment. */
export async function rowTexts(page: Page, column: 'transcript' | 'translation'): Promise<string[]> {
  return page.locator(`#${column} [data-segment-id]`).allTextContents();
}

export async function waitUntilSaved(page: Page): Promise<void> {
  await page.locator('#storage-status[data-state="saved"]').waitFor({ state: 'attached' });
}

export async function reload(page: Page): Promise<void> {
  await page.reload();
  await waitUntilIdle(page);
  expect(await page.locator('#status').textContent()).toMatch(/^Ready/);
}

/** Clicks the current session's export button and returns the downloaded file's name and text. */
export async function exported(page: Page, format: 'txt' | 'srt' | 'json'): Promise<{ name: string; text: string }> {
  const download = page.waitForEvent('download');
  await page.locator(`#sessions li[aria-current="true"] button[data-action="${format}"]`).click();
  const file = await download;
  return { name: file.suggestedFilename(), text: readFileSync(await file.path(), 'utf8') };
}

export interface SrtCue {
  index: string;
  startSeconds: number;
  endSeconds: number;
  lines: string[];
}

const seconds = (stamp: string) => stamp.split(/[:,]/).map(Number).reduce((total, part, index) => (index < 3 ? total * 60 + part : total + part / 1000), 0);

/** Parses SRT cues, failing the test on a timing line that is not `HH:MM:SS,mmm --> HH:MM:SS,mmm`. */
export function parseSrt(text: string): SrtCue[] {
  return text
    .trimEnd()
    .split('\n\n')
    .map((block) => {
      const [index, timing, ...lines] = block.split('\n');
      expect(timing).toMatch(/^\d{2}:\d{2}:\d{2},\d{3} --> \d{2}:\d{2}:\d{2},\d{3}$/);
      const [start, end] = timing!.split(' --> ') as [string, string];
      return { index: index!, startSeconds: seconds(start), endSeconds: seconds(end), lines };
    });
}
