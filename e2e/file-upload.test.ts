import { basename } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { expectNoProblems, expectWordLike, openApp, openFile, realTimeFactor } from './support/app-page.ts';
import { sharedSpeechFile } from './support/audio-fixtures.ts';
import { useHarness } from './support/harness.ts';
import { displayed, probedEvents } from './support/transcript-probe.ts';

const fixtures = inject('audioFixtures');
const harness = useHarness();

const jfk = sharedSpeechFile('jfk.wav');
/** 36 s: two Whisper windows, encoded and decoded as one batch (recogniseBatch) in the built app. */
const harvard = sharedSpeechFile('osr-harvard-list.wav');
const speechFiles = [fixtures.speech, ...(jfk ? [jfk] : []), ...(harvard ? [harvard] : [])].map((path) => ({ name: basename(path), path }));

/** The model's final texts since the probe's event `from`, as the app joins a file's segments. */
async function finalTextSince(page: Page, from: number): Promise<string> {
  const events = (await probedEvents(page)).slice(from);
  expect(events.length).toBeGreaterThan(0);
  // A file is recognised segment by segment, without the partial passes a live recording gets.
  expect(events.map((event) => event.type)).not.toContain('partial');
  return events.map((event) => displayed(event.text)).filter(Boolean).join(' ');
}

describe('opening an audio file', () => {
  it.each(speechFiles)('transcribes $name with the model and shows the real-time factor', async ({ path }) => {
    const app = await openApp(harness.browser, harness.server);
    const result = await openFile(app.page, path);

    expect(result.error).toBeUndefined();
    expect(result.status).toBe('Ready');
    expectWordLike(result.transcript);
    expect(result.transcript).toBe(await finalTextSince(app.page, 0));
    expect(result.partial).toBe('');
    const rtf = await realTimeFactor(app.page);
    expect(rtf).toBeGreaterThan(0);
    expect(rtf).toBeLessThan(10);
    expectNoProblems(app);
  });

  it("adds a second file's transcript below the first; Clear empties it", async () => {
    const app = await openApp(harness.browser, harness.server);
    const first = await openFile(app.page, fixtures.speech);
    const eventsOfFirst = (await probedEvents(app.page)).length;
    const second = await openFile(app.page, jfk ?? fixtures.speech);

    expect(second.error).toBeUndefined();
    expect(second.transcript).toBe(`${first.transcript}\n${await finalTextSince(app.page, eventsOfFirst)}`);
    await app.page.locator('#clear').click();
    expect(await app.page.locator('#transcript').textContent()).toBe(' ');
    expectNoProblems(app);
  });
});
