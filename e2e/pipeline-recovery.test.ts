import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { expectNoProblemsBut, openApp, waitUntilIdle } from './support/app-page.ts';
import { startAppServer, useHarness } from './support/harness.ts';
import { settledCount, waitForTranslations, waitUntilTranslated } from './support/translation.ts';

/** The server goes away mid-session and comes back on the same port: the pipeline moves to the device and back. */
const harness = useHarness({ fakeMicrophoneWav: inject('audioFixtures').speech });

const badge = (page: Page) => page.locator('#translation-badge');

/** Waits for the next segment's translation after the ones shown now. */
async function nextTranslation(page: Page): Promise<void> {
  await waitForTranslations(page, (await settledCount(page)) + 1);
}

/** Waits for a /v1/translate request the server answers. */
const serverTranslation = (page: Page) => page.waitForResponse((response) => response.url().endsWith('/v1/translate') && response.status() === 200);

describe('server outage', () => {
  it('a killed server: the next segments go to the device; restarted on the same port, translation returns to it', async () => {
    // Probes of an unusable server every 500 ms rather than backing off to a minute.
    const app = await openApp(harness.browser, harness.server, { query: '?probeMs=500' });
    const { page } = app;
    // The on-device model comes from the server too: it is loaded once while the server is up.
    await page.locator('#placement-mode').selectOption('device-only');
    await page.locator('#record').click();
    await nextTranslation(page);
    expect(await badge(page).getAttribute('data-placement')).toBe('device');

    const onServer = serverTranslation(page);
    await page.locator('#placement-mode').selectOption('prefer-server');
    await onServer;
    await badge(page).and(page.locator('[data-placement="server"]')).waitFor();

    const { port } = harness.server;
    harness.server.signal('SIGKILL');
    await harness.server.exited;
    await badge(page).getByText('because the server cannot be reached').waitFor();
    expect(await badge(page).getAttribute('data-placement')).toBe('device');
    await nextTranslation(page);

    harness.server = await startAppServer(port);
    const back = serverTranslation(page);
    await badge(page).and(page.locator('[data-placement="server"]')).waitFor();
    await back;

    await page.locator('#record').click();
    await waitUntilIdle(page);
    await waitUntilTranslated(page);
    expect(await page.locator('#translation [data-status="failed"]').count()).toBe(0);
    expect(await page.locator('#ledger-audio-sent').textContent()).toBe('0 B');
    // Failed probes: refused connections while it is down, 503 from /readyz while the new one loads its model.
    expectNoProblemsBut(app, /net::ERR_|status of 503/);
  });
});
