import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { parseManifest } from '../contract/manifest-schema.ts';
import { DETECT_LANGUAGE } from '../web/shared/language-detection.ts';
import { sourceCodes } from '../web/shared/language-options.ts';
import { expectNoProblems, expectWordLike, openAudited, openFile, waitUntilIdle } from './support/app-page.ts';
import { useHarness } from './support/harness.ts';
import { repoRoot } from './support/paths.ts';
import { expectLedgerMatchesNetwork, expectSideBySide, isTranslateRequest, recordTranslated, waitUntilTranslated } from './support/translation.ts';

/** The app from fake microphone to translation, against the real server: where each batch goes, and what crosses the network. */
const fixtures = inject('audioFixtures');
const harness = useHarness({ fakeMicrophoneWav: fixtures.speech });
const manifest = parseManifest(JSON.parse(readFileSync(join(repoRoot, 'models/manifest.json'), 'utf8')));

const badge = (page: Page) => page.locator('#translation-badge');

describe('translation pipeline', () => {
  it('prefer server: transcript and translation side by side, translated on the server, no audio sent, cost shown', async () => {
    const app = await openAudited(harness.browser, harness.server);
    const { page } = app;
    await recordTranslated(page, 2);
    const report = await app.audit.finish();

    await expectSideBySide(page);
    expect(await badge(page).getAttribute('data-placement')).toBe('server');
    expect(await badge(page).textContent()).toMatch(/^Translation: server/);
    expect(report.requests.filter(isTranslateRequest).length).toBeGreaterThan(0);
    expect(await expectLedgerMatchesNetwork(page, report)).toBeGreaterThan(0);
    expect(await page.locator('#ledger-cost').textContent()).toMatch(/^Server compute \d+\.\d s · [\d.]+ USD$/);
    expectNoProblems(app);
  });

  it('device only: not one request to /v1/translate, and the translations still appear', async () => {
    const app = await openAudited(harness.browser, harness.server);
    const { page } = app;
    await page.locator('#placement-mode').selectOption('device-only');
    await recordTranslated(page, 2);
    const report = await app.audit.finish();

    await expectSideBySide(page);
    expect(report.requests.filter(isTranslateRequest)).toEqual([]);
    expect(await badge(page).getAttribute('data-placement')).toBe('device');
    expect(await expectLedgerMatchesNetwork(page, report)).toBe(0);
    expect(await page.locator('#ledger-cost').textContent()).toBe('None billed');
    expectNoProblems(app);
  });

  it('detect automatically: each segment is tagged with the language heard and translated from it', async () => {
    const app = await openAudited(harness.browser, harness.server);
    const { page } = app;
    await page.locator('#source-language').selectOption(DETECT_LANGUAGE);
    await waitUntilIdle(page); // the model reloads to detect
    const file = await openFile(page, fixtures.speech);
    expect(file.error).toBeUndefined();
    expectWordLike(file.transcript);
    await waitUntilTranslated(page);
    const report = await app.audit.finish();

    // Random weights pick some language; it must be one the select offers, and the server must be asked from it.
    const candidates = sourceCodes(manifest, manifest.defaults.asr, 'prefer-server');
    const rows = await page.locator('#transcript .segment').all();
    expect(rows.length).toBeGreaterThan(0);
    const detected = await Promise.all(rows.map((row) => row.getAttribute('data-language')));
    for (const [index, code] of detected.entries()) {
      expect(candidates).toContain(code);
      expect(await rows[index]!.getAttribute('title')).toMatch(/^Detected: .+ \(\d+% sure\)$/);
    }
    const sources = report.requests.filter(isTranslateRequest).map((request) => (JSON.parse(request.body!.toString('utf8')) as { source: string }).source);
    const target = await page.locator('#target-language').inputValue();
    expect(new Set(sources)).toEqual(new Set(detected.filter((code) => code !== target)));
    await expectSideBySide(page);
    expectNoProblems(app);
  });
});
