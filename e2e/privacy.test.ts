import { describe, expect, inject, it } from 'vitest';
import { expectNoProblems, expectWordLike, openAudited, openFile, waitUntilIdle } from './support/app-page.ts';
import { sharedSpeechFile } from './support/audio-fixtures.ts';
import { useHarness } from './support/harness.ts';
import { expectLedgerMatchesNetwork, waitUntilTranslated } from './support/translation.ts';
import { waitForEvent } from './support/transcript-probe.ts';

const fixtures = inject('audioFixtures');
const harness = useHarness({ fakeMicrophoneWav: fixtures.speech });


describe('privacy', () => {
  it('a whole session (load, recording, files) sends no audio, only to its own server, and only transcript text as the ledger counts it', async () => {
    const app = await openAudited(harness.browser, harness.server);
    const { page } = app;
    await page.locator('#record').click();
    await waitForEvent(page, 'final');
    await page.locator('#record').click();
    await waitUntilIdle(page);
    for (const file of [fixtures.speech, sharedSpeechFile('jfk.wav')]) {
      if (file) expectWordLike((await openFile(page, file)).transcript);
    }
    await waitUntilTranslated(page);
    const report = await app.audit.finish();

    // Only /v1/translate bodies carry bytes, and the ledger counts exactly them.
    const textSent = await expectLedgerMatchesNetwork(page, report);
    expect(textSent).toBeGreaterThan(0);
    // Each recorder saw every request with a body that the other saw, so neither missed one that could carry audio.
    expect(report.unmatched).toEqual([]);
    const hosts = new Set(report.requests.map((request) => new URL(request.url).host));
    expect([...hosts]).toEqual([new URL(harness.server.url).host]);
    // The worker's own fetches are in the audit: the model came from the server, not a CDN or the hub.
    const modelFiles = report.workerUrls.filter((url) => /\/models\/.+\.onnx$/.test(url));
    expect(modelFiles.length).toBeGreaterThan(0);
    console.info(
      `sent over the network: ${report.sent.requests} requests, ${report.sent.headerBytes} bytes of request lines and headers, ${report.sent.bodyBytes} bytes of bodies`,
    );
    expect(report.sent.bodyBytes).toBe(textSent);
    expect(report.sent.headerBytes + report.sent.bodyBytes).toBeLessThan(64 * 1024);
    expectNoProblems(app);
  });

  it('the audit itself catches audio sent by the page or by a worker, and bodies it cannot read', async () => {
    const { page, audit } = await openAudited(harness.browser, harness.server);
    const origin = new URL(harness.server.url).origin;
    const workerUrl = await page.evaluate((serverOrigin) => {
      const source = `onmessage = () => fetch('${serverOrigin}/api/canary-worker', { method: 'POST', body: 'OggS' }).then(() => postMessage('sent'))`;
      const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
      const canary = globalThis as unknown as { Worker: new (url: string) => unknown; canaryWorker: unknown };
      canary.canaryWorker = new canary.Worker(url);
      return url;
    }, origin);
    // The worker fetches when told to, once the audit records its requests.
    await expect.poll(() => audit.tappedTargets()).toContain(workerUrl);
    // Once the last canary is answered, the audit has long seen it leave.
    const lastAnswered = page.waitForEvent('requestfinished', (request) => request.url().endsWith('/api/canary-beacon'));
    await page.evaluate(async (serverOrigin) => {
      interface CanaryWorker {
        onmessage: (() => void) | null;
        postMessage(message: string): void;
      }
      const canary = globalThis as unknown as { canaryWorker: CanaryWorker; navigator: { sendBeacon(url: string, body: Blob): boolean } };
      await new Promise<void>((resolve) => {
        canary.canaryWorker.onmessage = resolve;
        canary.canaryWorker.postMessage('go');
      });
      const riffHeader = new Uint8Array([0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x41, 0x56, 0x45]);
      await fetch(`${serverOrigin}/api/canary-page`, { method: 'POST', body: riffHeader });
      canary.navigator.sendBeacon(`${serverOrigin}/api/canary-beacon`, new Blob([new Uint8Array(16)]));
    }, origin);
    await lastAnswered;
    const { findings } = await audit.finish();

    expect(findings).toContain(`POST ${origin}/api/canary-page (page): body carries RIFF/WAVE audio`);
    expect(findings).toContain(`POST ${origin}/api/canary-page (playwright): body carries RIFF/WAVE audio`);
    expect(findings).toContain(`POST ${origin}/api/canary-worker (worker): body carries Ogg audio`);
    expect(findings).toContain(`POST ${origin}/api/canary-worker (playwright): body carries Ogg audio`);
    expect(findings).toContain(`POST ${origin}/api/canary-beacon (page): has a body that could not be inspected`);
  });
});
