import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { expectNoProblemsBut, openApp } from './support/app-page.ts';
import { useHarness } from './support/harness.ts';
import { expectSideBySide, recordTranslated, refuseTranslations } from './support/translation.ts';

/** The server refuses translations (intercepted in the page): the client honours what it says and falls back to the device. */
const harness = useHarness({ fakeMicrophoneWav: inject('audioFixtures').speech });

const badge = (page: Page) => page.locator('#translation-badge');

describe('translation refused by the server', () => {
  it('429 with Retry-After: 30: no retry before it, the batches go to the device, and the badge says overloaded', async () => {
    const app = await openApp(harness.browser, harness.server);
    const { page } = app;
    const requests = await refuseTranslations(page, 429, 'Too Many Requests', { 'Retry-After': '30' });
    await recordTranslated(page, 2);

    await expectSideBySide(page);
    // Every segment after the first came within the 30 s, and none of them tried the server again.
    expect(requests).toHaveLength(1);
    expect(await badge(page).getAttribute('data-placement')).toBe('device');
    expect(await badge(page).textContent()).toMatch(/^Translation: this device .*because the server is overloaded \(retry in \d+ s\)$/);
    expectNoProblemsBut(app, /status of 429/);
  });

  it('401 from the server: translated on the device, and the badge says an API key is needed', async () => {
    const app = await openApp(harness.browser, harness.server);
    const { page } = app;
    const requests = await refuseTranslations(page, 401, 'Unauthorized');
    // A probe finds the server ready and it is tried again, so the badge says it while it lasts.
    const explained = badge(page).getByText('because the server requires an API key').waitFor();
    await recordTranslated(page, 2);
    await explained;

    await expectSideBySide(page);
    expect(requests.length).toBeGreaterThan(0);
    expectNoProblemsBut(app, /status of 401/);
  });
});
