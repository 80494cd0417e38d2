import { describe, expect, inject, it } from 'vitest';
import { expectNoProblems, expectWordLike, openApp, outcome, waitUntilIdle } from './support/app-page.ts';
import { useHarness } from './support/harness.ts';
import { displayed, probedEvents, waitForEvent } from './support/transcript-probe.ts';

// Chromium loops the file, so the speaker keeps talking for as long as the test records.
const harness = useHarness({ fakeMicrophoneWav: inject('audioFixtures').speech });

describe('recording from the microphone', () => {
  it('shows partial, then final text from the model while listening, and stops cleanly', async () => {
    const app = await openApp(harness.browser, harness.server);
    const { page } = app;

    await page.locator('#record').click();
    await page.locator('#listening[data-state="listening"]').waitFor({ state: 'attached' });
    expect(await page.locator('#status').textContent()).toBe('Listening…');
    expect(await page.locator('#record').textContent()).toBe('Stop recording');

    await waitForEvent(page, 'partial');
    await waitForEvent(page, 'final');
    expect(await page.locator('#listening').getAttribute('data-state')).toBe('listening');
    const events = (await probedEvents(page)).filter((event) => event.text.trim());
    const partial = events[0]!;
    const final = events.find((event) => event.type === 'final')!;
    expect(partial.type).toBe('partial');
    expect(final.segmentId).toBe(partial.segmentId);
    expectWordLike(partial.text);
    expectWordLike(final.text);
    expect(partial.shown.partial).toBe(displayed(partial.text));
    // Committed words as they will stay, the rest marked as tentative (dimmed by the style sheet, with a hint).
    const tentativeWords = displayed(partial.text).split(' ').slice(displayed(partial.committedText ?? '').split(' ').filter(Boolean).length);
    expect(partial.shown.tentative).toBe(tentativeWords.join(' '));
    if (tentativeWords.length > 0) expect(partial.shown.tentativeHint).toMatch(/may change/);
    // The segment's final text replaces its partial text.
    expect(final.shown.final).toContain(displayed(final.text));
    expect(final.shown.partial).toBe('');

    await page.locator('#record').click();
    await waitUntilIdle(page);
    const stopped = await outcome(page);
    expect(stopped.status).toBe('Ready');
    expect(stopped.error).toBeUndefined();
    expect(await page.locator('#listening').getAttribute('data-state')).toBe('idle');
    expect(await page.locator('#record').textContent()).toBe('Start recording');
    expectWordLike(stopped.transcript);
    expect(stopped.partial).toBe('');
    const lastFinal = (await probedEvents(page)).filter((event) => event.type === 'final' && event.text.trim()).at(-1);
    expect(stopped.transcript.endsWith(displayed(lastFinal!.text))).toBe(true);
    expectNoProblems(app);
  });
});
