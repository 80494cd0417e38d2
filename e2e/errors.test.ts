import type { Worker } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { expectNoProblems, expectWordLike, openApp, openFile, outcome, waitUntilIdle, type AppPage } from './support/app-page.ts';
import { launchForTest, useHarness } from './support/harness.ts';
import { waitForEvent } from './support/transcript-probe.ts';

const fixtures = inject('audioFixtures');
const harness = useHarness();

/** After an error the app must still work: the spoken sentence transcribes without an error. */
async function expectStillTranscribes(app: AppPage): Promise<void> {
  const result = await openFile(app.page, fixtures.speech);
  expect(result.error).toBeUndefined();
  expect(result.status).toBe('Ready');
  expectWordLike(result.transcript);
}

describe('problems with audio input', () => {
  it.each([
    { name: 'broken.wav', path: fixtures.broken, message: /^"broken\.wav" could not be decoded\. The file may be damaged/ },
    { name: 'notes.txt', path: fixtures.notes, message: /^"notes\.txt" is not a supported audio file\. Supported formats: .*WAV.*MP3.*FLAC/ },
    { name: 'silent.wav', path: fixtures.silent, message: /silent/ },
  ])('$name: a readable message, no crash, and the next file still transcribes', async ({ path, message }) => {
    const app = await openApp(harness.browser, harness.server);
    const result = await openFile(app.page, path);
    expect(result.error).toMatch(message);
    expect(result.status).toBe('Ready');
    expect(result.transcript).toBe('');

    await expectStillTranscribes(app);
    expectNoProblems(app);
  });

  it('a denied microphone: a readable message, and files still transcribe', async () => {
    const browser = await launchForTest({ denyMicrophone: true });
    const app = await openApp(browser, harness.server);
    const { page } = app;
    expect(await page.evaluate("navigator.mediaDevices.getUserMedia({ audio: true }).then(() => 'granted', (error) => error.name)")).toBe(
      'NotAllowedError',
    );

    await page.locator('#record').click();
    await waitUntilIdle(page);
    const result = await outcome(page);
    expect(result.error).toMatch(/^Microphone access was denied\./);
    expect(result.status).toBe('Ready');
    expect(await page.locator('#listening').getAttribute('data-state')).toBe('idle');
    expect(await page.locator('#record').textContent()).toBe('Start recording');

    await expectStillTranscribes(app);
    expectNoProblems(app);
  });

  it('Cancel stops a long transcription; the next file reloads the model and transcribes', async () => {
    const app = await openApp(harness.browser, harness.server);
    const { page } = app;
    const isAsrWorker = (worker: Worker) => worker.url().includes('/asr-worker-');
    const firstWorker = page.workers().find(isAsrWorker);
    expect(firstWorker).toBeDefined();
    // Terminating the worker is the only way to stop ORT mid-run.
    const terminated = firstWorker!.waitForEvent('close');

    await page.locator('#file-input').setInputFiles(fixtures.long);
    await waitForEvent(page, 'final');
    expect(await page.locator('#status').textContent()).toBe('Transcribing long.wav…');
    await page.locator('#cancel').click();
    await waitUntilIdle(page);
    const cancelled = await outcome(page);
    expect(cancelled.status).toBe('Cancelled');
    expect(cancelled.error).toBeUndefined();
    expect(await page.locator('#cancel').isHidden()).toBe(true);
    await terminated;

    const restarted = page.waitForEvent('worker', isAsrWorker);
    await expectStillTranscribes(app);
    await restarted;
    expectNoProblems(app);
  });
});
