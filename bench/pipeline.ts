import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { waitUntilIdle } from '../e2e/support/app-page.ts';
import { launchChromium } from '../e2e/support/browser.ts';
import { startServer, waitUntilReady } from '../testing/server-process.ts';
import { isTranslateRequest, waitUntilTranslated } from '../e2e/support/translation.ts';
import { buildWebApp } from '../scripts/build-freshness.ts';
import { repoRoot } from '../server/config.ts';
import { installTimer, pageNow, percentile, rowTimes } from './pipeline-page.ts';
import { readSpeechClips, selectClips, type SpeechClip } from './speech-clips.ts';

/**
 * `npm run bench:pipeline`: the real app page in headless Chromium against the real server. Each clip
 * goes in through #file-input; per segment it measures the time from its transcript row appearing
 * (ASR final) to its translation shown, and per clip from the file input to the last translation
 * shown; on device only and hybrid (prefer server). It counts the request bytes /v1/translate sent, per
 * minute of speech, against uploading the audio. Options: --clips a,b|all  --asr-model ID  --server-model ID.
 */

const MODES = ['device-only', 'prefer-server'] as const;
type Mode = (typeof MODES)[number];
const WAV_BYTES_PER_SECOND = 16_000 * 2;
const resultsDir = join(repoRoot, 'bench', 'results');

interface ClipResult {
  mode: Mode;
  clip: string;
  speechSeconds: number;
  segments: number;
  /** Per segment: transcript row shown → translation shown. */
  segmentMs: number[];
  /** #file-input → last translation shown. */
  fileToLastTranslationMs: number;
  bytesSent: number;
  originalFileBytes: number;
}

async function runClip(page: Page, mode: Mode, clip: SpeechClip, sent: number[]): Promise<ClipResult> {
  const before = new Set(Object.keys(await rowTimes(page)));
  const sentBefore = sent.length;
  const started = await pageNow(page);
  await page.locator('#file-input').setInputFiles(clip.path);
  await waitUntilIdle(page);
  await waitUntilTranslated(page);
  const times = Object.entries(await rowTimes(page)).filter(([id]) => !before.has(id)).map(([, t]) => t);
  const done = times.filter((t) => t.final !== undefined && t.translated !== undefined);
  return {
    mode,
    clip: clip.file,
    speechSeconds: clip.seconds,
    segments: times.length,
    segmentMs: done.map((t) => t.translated! - t.final!),
    fileToLastTranslationMs: Math.max(...done.map((t) => t.translated!)) - started,
    bytesSent: sent.slice(sentBefore).reduce((sum, bytes) => sum + bytes, 0),
    originalFileBytes: statSync(clip.path).size,
  };
}

async function runMode(browser: Browser, url: string, mode: Mode, clips: SpeechClip[]): Promise<ClipResult[]> {
  const context = await browser.newContext();
  context.setDefaultTimeout(120_000);
  const page = await context.newPage();
  const sent: number[] = [];
  page.on('request', (request) => {
    if (isTranslateRequest({ method: request.method(), url: request.url() })) sent.push(request.postDataBuffer()?.length ?? 0);
  });
  page.on('pageerror', (error) => console.error(`  [page] ${error.message}`));
  await page.goto(url);
  await waitUntilIdle(page);
  await page.locator('#placement-mode').selectOption(mode);
  await installTimer(page);
  // Warm-up, untimed: the on-device model loads on first use.
  await runClip(page, mode, clips[0]!, sent);
  const results: ClipResult[] = [];
  for (const clip of clips) {
    const result = await runClip(page, mode, clip, sent);
    console.log(`  ${mode} ${clip.file}: ${result.segments} segments, ${Math.round(result.fileToLastTranslationMs)} ms file → last translation, ${result.bytesSent} B sent`);
    results.push(result);
  }
  await context.close();
  return results;
}

const round = (value: number) => Math.round(value);

function summary(results: ClipResult[]) {
  return MODES.map((mode) => {
    const rows = results.filter((r) => r.mode === mode);
    const segmentMs = rows.flatMap((r) => r.segmentMs);
    const minutes = rows.reduce((sum, r) => sum + r.speechSeconds, 0) / 60;
    const bytes = rows.reduce((sum, r) => sum + r.bytesSent, 0);
    return {
      mode,
      segments: segmentMs.length,
      segmentP50Ms: round(percentile(segmentMs, 50)),
      segmentP95Ms: round(percentile(segmentMs, 95)),
      fileToLastTranslationMsPerClip: round(rows.reduce((sum, r) => sum + r.fileToLastTranslationMs, 0) / rows.length),
      bytesSentPerMinute: round(bytes / minutes),
      wavBytesPerMinute: WAV_BYTES_PER_SECOND * 60,
      originalFileBytesPerMinute: round(rows.reduce((sum, r) => sum + r.originalFileBytes, 0) / minutes),
    };
  });
}

function markdown(rows: ReturnType<typeof summary>, settings: string): string {
  const header = '| mode | segments | ASR final → translation shown p50 / p95 (ms) | file input → last translation, mean per clip (ms) | text sent per min of speech | 16 kHz 16-bit WAV per min | original files per min |';
  const lines = rows.map(
    (r) =>
      `| ${r.mode} | ${r.segments} | ${r.segmentP50Ms} / ${r.segmentP95Ms} | ${r.fileToLastTranslationMsPerClip} | ${r.bytesSentPerMinute.toLocaleString('en')} B | ${r.wavBytesPerMinute.toLocaleString('en')} B | ${r.originalFileBytesPerMinute.toLocaleString('en')} B |`,
  );
  return `# Pipeline benchmark\n\n${settings}\n\n${header}\n|${'---|'.repeat(7)}\n${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { clips: { type: 'string', default: 'all' }, 'asr-model': { type: 'string' }, 'server-model': { type: 'string' } } });
  const clips = selectClips(readSpeechClips(), values.clips.split(','));
  execFileSync('npx', ['tsx', 'models/generate/main.ts', '--size', 'tiny'], { cwd: repoRoot, stdio: 'inherit' });
  const work = mkdtempSync(join(tmpdir(), 'sotto-bench-pipeline-'));
  if (!buildWebApp(repoRoot, { args: ['--outDir', join(work, 'dist'), '--logLevel', 'warn'] })) throw new Error('vite build failed');
  const env: Record<string, string> = { SOTTO_DIST_DIR: join(work, 'dist') };
  if (values['asr-model']) env.SOTTO_ASR_MODEL = values['asr-model'];
  if (values['server-model']) env.SOTTO_TRANSLATION_MODELS = values['server-model'];
  const server = await startServer(env);
  const browser = await launchChromium();
  try {
    await waitUntilReady(server);
    const results: ClipResult[] = [];
    for (const mode of MODES) results.push(...(await runMode(browser, server.url, mode, clips)));
    const rows = summary(results);
    const settings = [
      `Clips: ${clips.map((c) => c.file).join(', ')} (${clips.reduce((s, c) => s + c.seconds, 0).toFixed(1)} s of speech), fed through #file-input after one untimed warm-up clip per mode.`,
      `Models: ASR ${values['asr-model'] ?? 'manifest default'}, server translation ${values['server-model'] ?? 'manifest default'}, device translation manifest default (generated tiny, random weights unless named).`,
      'Latency per segment: its transcript row (ASR final) appearing → its translation shown, from a MutationObserver in the page. Bytes: POST /v1/translate bodies in the browser’s network log.',
    ].join('\n');
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, 'pipeline.json'), `${JSON.stringify({ date: new Date().toISOString(), settings, summary: rows, results }, null, 2)}\n`);
    const md = markdown(rows, settings);
    writeFileSync(join(resultsDir, 'pipeline.md'), md);
    console.log(md);
  } finally {
    await browser.close();
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
