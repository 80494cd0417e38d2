import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { expectNoProblems, openAudited } from './support/app-page.ts';
import { useHarness } from './support/harness.ts';
import { expectLedgerMatchesNetwork, expectSideBySide, isTranslateRequest, recordTranslated } from './support/translation.ts';

/** The app from fake microphone to translation, against the real server: where each batch goes, and what crosses the network. */
const harness = useHarness({ fakeMicrophoneWav: inject('audioFixtures').speech });

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
});
