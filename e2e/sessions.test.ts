import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { formatBytes } from '../web/shared/format-bytes.ts';
import { audioBytes } from '../web/shared/ledger.ts';
import { EMPTY_LEDGER, type SessionRecord, type StageRun } from '../web/shared/pipeline-types.ts';
import { expectNoProblems, expectWordLike, openApp, openFile } from './support/app-page.ts';
import { useHarness } from './support/harness.ts';
import { repoRoot } from './support/paths.ts';
import { exported, parseSrt, reload, rowTexts, waitUntilSaved } from './support/session-page.ts';
import { displayed } from './support/transcript-probe.ts';
import { waitUntilTranslated } from './support/translation.ts';

// These tests check the transcript side of recorded sessions, and the translation column with sessions
// written straight into IndexedDB; e2e/pipeline-sessions.test.ts checks recorded translations.
const fixtures = inject('audioFixtures');
const harness = useHarness();

/** The listed sessions' ids, read in one go: the list may be redrawn between finding its items and reading each. */
async function sessionIds(page: Page): Promise<string[]> {
  return page.locator('#sessions li').evaluateAll((items: { getAttribute(name: string): string | null }[]) => items.map((item) => item.getAttribute('data-session-id') ?? ''));
}

/** Runs in the page: typed loosely because e2e code compiles without the DOM library. */
function putSessions(rows: unknown[]): Promise<void> {
  interface Transaction {
    objectStore(name: string): { put(row: unknown): void };
    oncomplete: () => void;
    onerror: () => void;
    error: unknown;
  }
  interface Opening {
    result: { transaction(store: string, mode: string): Transaction; close(): void };
    error: unknown;
    onsuccess: () => void;
    onerror: () => void;
  }
  const { indexedDB } = globalThis as unknown as { indexedDB: { open(name: string, version: number): Opening } };
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open('sotto', 1);
    opening.onerror = () => reject(opening.error);
    opening.onsuccess = () => {
      const db = opening.result;
      const transaction = db.transaction('sessions', 'readwrite');
      for (const row of rows) transaction.objectStore('sessions').put(row);
      transaction.oncomplete = () => {
        db.close();
        resolve();
      };
      transaction.onerror = () => reject(transaction.error);
    };
  });
}

/** Writes sessions into the app's database, as finished sessions with translations are stored. */
async function storeSessions(page: Page, records: SessionRecord[]): Promise<void> {
  await page.evaluate(putSessions, records);
}

const reasons = {
  privacy: 'only text is sent (kilobytes); no audio leaves the device',
  cost: 'server compute, shared and billed per compute-second; saves this device’s battery',
  maintenance: 'the server keeps the large model warm and up to date; nothing to download',
  capability: 'the server runs the large model, with better quality than the small on-device one',
};
const asrRun: StageRun = { stage: 'asr', placement: 'device', backend: 'WebAssembly', reasons: { ...reasons, privacy: 'raw audio never leaves the device' }, ms: 180 };
const translationRun = (ms: number): StageRun => ({ stage: 'translation', placement: 'server', backend: 'server CPU', reasons, ms });

function finishedSession(id: string, createdAt: number, texts: [string, string][]): SessionRecord {
  return {
    id,
    sourceLanguage: 'en',
    targetLanguage: 'de',
    mode: 'prefer-server',
    createdAt,
    updatedAt: createdAt + 60_000,
    title: texts[0]![0].split(' ').slice(0, 6).join(' '),
    segments: texts.map(([sourceText, translation], index) => ({
      segmentId: index,
      startSeconds: index * 4 + 0.5,
      endSeconds: index * 4 + 3.5,
      sourceText,
      translation,
      asrRun,
      translationRun: translationRun(100 + 20 * index),
      status: 'done',
    })),
    ledger: { ...EMPTY_LEDGER, audioBytesCaptured: 4_800_000, transcriptBytesSent: 2_000, translationBytesReceived: 2_300, translationRequests: 3 },
  };
}

const meeting = finishedSession('meeting', Date.UTC(2024, 4, 1, 12, 30), [
  ['Good morning, everyone.', 'Guten Morgen zusammen.'],
  [
    'Today we look at the numbers of the last quarter, which were better than we expected in every region.',
    'Heute sehen wir uns die Zahlen des letzten Quartals an, die in jeder Region besser waren als erwartet.',
  ],
  ['Questions at the end, please.', 'Fragen bitte am Ende.'],
]);
const call = finishedSession('call', Date.UTC(2024, 4, 2, 9, 0), [['Can you hear me?', 'Kannst du mich hören?']]);

describe('sessions', () => {
  it('a transcribed file becomes a saved session that survives a reload and exports as TXT, SRT and JSON', async () => {
    const app = await openApp(harness.browser, harness.server);
    const { page } = app;
    expect(await sessionIds(page)).toEqual([]);
    const result = await openFile(page, fixtures.speech);
    expectWordLike(result.transcript);

    const rows = await rowTexts(page, 'transcript');
    expect(rows.join(' ')).toBe(result.transcript);
    await waitUntilTranslated(page);
    // Exports put each segment's translation after its text.
    const translations = (await rowTexts(page, 'translation')).map(displayed);
    const exportLines = rows.map((row, index) => [row, translations[index]].filter(Boolean));
    expect(await page.locator('#translation [data-segment-id]').count()).toBe(rows.length);
    expect(await page.locator('#asr-badge').textContent()).toMatch(/^Speech recognition: this device \((WebGPU|WebAssembly)\)$/);
    expect(await page.locator('#asr-badge').getAttribute('data-placement')).toBe('device');
    expect(await page.locator('#asr-reasons dd').first().textContent()).toBe('raw audio never leaves the device');
    expect(await page.locator('#asr-timing').textContent()).toMatch(/^last [\d,]+ ms · average [\d,]+ ms over \d+ runs?$/);
    // Captured audio is counted from the decoded samples: 16 kHz mono float32.
    const samples = Number(execFileSync('soxi', ['-s', fixtures.speech], { encoding: 'utf8' }).trim());
    expect(await page.locator('#ledger-audio-captured').textContent()).toBe(formatBytes(audioBytes(samples)));
    expect(await page.locator('#ledger-audio-sent').textContent()).toBe('0 B');

    await waitUntilSaved(page);
    const [id] = await sessionIds(page);
    const title = (await page.locator('#sessions .session-title').textContent()) ?? '';
    expectWordLike(title);
    expect(result.transcript.startsWith(title.replace(/…$/, ''))).toBe(true);

    await reload(page);
    expect(await rowTexts(page, 'transcript')).toEqual(rows);
    expect(await sessionIds(page)).toEqual([id]);
    expect(await page.locator('#sessions li').getAttribute('aria-current')).toBe('true');

    const txt = await exported(page, 'txt');
    expect(txt.name).toMatch(/^sotto-\d{4}-\d{2}-\d{2}-\d{4}-[\p{L}\p{N}-]+\.txt$/u);
    expect(txt.text).toBe(exportLines.map((line) => `${line.join('\t')}\n`).join(''));

    const srt = await exported(page, 'srt');
    const cues = parseSrt(srt.text);
    expect(cues.map((cue) => cue.index)).toEqual(rows.map((_, index) => String(index + 1)));
    expect(cues.map((cue) => cue.lines)).toEqual(exportLines);
    let previousEnd = 0;
    for (const { startSeconds, endSeconds } of cues) {
      expect(startSeconds).toBeGreaterThanOrEqual(previousEnd - 1.01);
      expect(endSeconds).toBeGreaterThan(startSeconds);
      expect(endSeconds).toBeLessThanOrEqual(samples / 16_000 + 0.01);
      previousEnd = endSeconds;
    }

    const json = await exported(page, 'json');
    const parsed = JSON.parse(json.text) as { format: string; version: number; session: SessionRecord };
    expect(parsed).toMatchObject({ format: 'sotto-session', version: 1, session: { id, sourceLanguage: 'en' } });
    expect(parsed.session.segments.map((segment) => segment.sourceText)).toEqual(rows);
    expect(parsed.session.segments[0]!.asrRun).toMatchObject({ stage: 'asr', placement: 'device' });
    expect(parsed.session.ledger.audioBytesCaptured).toBe(audioBytes(samples));
    expectNoProblems(app);
  });

  it('shows a stored session side by side, row by row, with its badges, timings and ledger', async () => {
    const app = await openApp(harness.browser, harness.server);
    const { page } = app;
    await storeSessions(page, [meeting]);
    await reload(page);

    expect(await rowTexts(page, 'transcript')).toEqual(meeting.segments.map((s) => s.sourceText));
    expect(await rowTexts(page, 'translation')).toEqual(meeting.segments.map((s) => s.translation));
    for (const { segmentId } of meeting.segments) {
      const source = await page.locator(`#transcript [data-segment-id="${segmentId}"]`).boundingBox();
      const target = await page.locator(`#translation [data-segment-id="${segmentId}"]`).boundingBox();
      expect(target!.x).toBeGreaterThan(source!.x + source!.width - 1);
      expect(target!.y).toBe(source!.y);
      expect(target!.height).toBe(source!.height);
    }
    expect(await page.locator('#translation-badge').textContent()).toBe('Translation: server CPU');
    expect(await page.locator('#translation-badge').getAttribute('data-placement')).toBe('server');
    expect(await page.locator('#translation-reasons dd').allTextContents()).toEqual(Object.values(reasons));
    expect(await page.locator('#translation-timing').textContent()).toBe('last 140 ms · average 120 ms over 3 runs');
    expect(await page.locator('#ledger-audio-captured').textContent()).toBe('4.8 MB');
    expect(await page.locator('#ledger-audio-sent').textContent()).toBe('0 B');
    expect(await page.locator('#ledger-text-sent').textContent()).toBe('2 kB');
    expect(await page.locator('#ledger-reduction').textContent()).toBe('× 2,400 fewer bytes than uploading the audio');
    expect(await page.locator('#target-language').inputValue()).toBe('de');

    await page.locator('#translation-reasons summary').click();
    mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
    await page.setViewportSize({ width: 1200, height: 900 });
    await page.screenshot({ path: join(repoRoot, 'test-results', 'sessions.png'), fullPage: true });
    expectNoProblems(app);
  });

  it('opens, starts, deletes and clears sessions, and the deletions survive a reload', async () => {
    const app = await openApp(harness.browser, harness.server);
    const { page } = app;
    await storeSessions(page, [meeting, { ...call, targetLanguage: 'fr' }]);
    await reload(page);
    // The session that changed last is the one restored.
    expect(await sessionIds(page)).toEqual(['call', 'meeting']);
    expect(await page.locator('#sessions li[aria-current="true"]').getAttribute('data-session-id')).toBe('call');
    expect(await page.locator('#target-language').inputValue()).toBe('fr');

    await page.locator('#sessions li[data-session-id="meeting"] button[data-action="open"]').click();
    expect(await rowTexts(page, 'transcript')).toEqual(meeting.segments.map((s) => s.sourceText));
    expect(await page.locator('#target-language').inputValue()).toBe('de');

    await page.locator('#new-session').click();
    expect(await rowTexts(page, 'transcript')).toEqual([]);
    expect(await sessionIds(page)).toEqual(['call', 'meeting']);
    expect(await page.locator('#sessions li[aria-current="true"]').count()).toBe(0);

    await page.locator('#sessions li[data-session-id="call"] button[data-action="delete"]').click();
    // Deleting goes through IndexedDB before the list is drawn again.
    await expect.poll(() => sessionIds(page)).toEqual(['meeting']);

    await page.locator('#sessions li[data-session-id="meeting"] button[data-action="open"]').click();
    await page.locator('#clear').click();
    await expect.poll(() => sessionIds(page)).toEqual([]);
    expect(await page.locator('#transcript').textContent()).toBe(' ');
    await waitUntilSaved(page);
    await reload(page);
    expect(await sessionIds(page)).toEqual([]);
    expectNoProblems(app);
  });
});
