import { describe, expect, inject, it } from 'vitest';
import { expectNoProblems, expectWordLike, openApp, outcome, waitUntilIdle } from './support/app-page.ts';
import { useHarness } from './support/harness.ts';
import { probedEvents, waitForEvent } from './support/transcript-probe.ts';

const harness = useHarness({ fakeMicrophoneWav: inject('audioFixtures').speech });

describe('cancelling a recording', () => {
  it('Cancel stops the microphone and the stream, says Cancelled, and the next recording works', async () => {
    const app = await openApp(harness.browser, harness.server);
    const { page } = app;

    await page.locator('#record').click();
    await waitForEvent(page, 'final');
    await page.locator('#cancel').click();
    await waitUntilIdle(page);
    const cancelled = await outcome(page);
    expect(cancelled.status).toBe('Cancelled');
    expect(cancelled.error).toBeUndefined();
    expect(cancelled.partial).toBe('');
    expect(await page.locator('#listening').getAttribute('data-state')).toBe('idle');
    expect(await page.locator('#record').textContent()).toBe('Start recording');
    expect(await page.locator('#cancel').isHidden()).toBe(true);
    const finalsBefore = (await probedEvents(page)).filter((event) => event.type === 'final' && event.text.trim()).length;

    await page.locator('#record').click();
    await page.locator('#listening[data-state="listening"]').waitFor({ state: 'attached' });
    expect(await page.locator('#status').textContent()).toBe('Listening…');
    await waitForEvent(page, 'final', finalsBefore);
    await page.locator('#record').click();
    await waitUntilIdle(page);
    const stopped = await outcome(page);
    expect(stopped.error).toBeUndefined();
    expect(stopped.status).toMatch(/^Ready/);
    expectWordLike(stopped.transcript);
    expectNoProblems(app);
  });
});
