import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { describe, expect, it, vi } from 'vitest';
import { startServer } from '../../testing/server-process.ts';
import { repoRoot } from '../config.ts';
import { FakeBackend } from '../../testing/translation-doubles.ts';
import { Metrics } from './metrics.ts';
import type { LogRecord } from './request-log.ts';
import { GracefulShutdown } from './shutdown.ts';
import { fakeEngine, opsApp, translateRequest } from '../../testing/ops-app.ts';

interface Answer {
  /** 0 when no response came (connection refused or reset). */
  status: number;
  body?: Record<string, unknown>;
  contentType?: string | null;
  retryAfter?: string | null;
}

async function translate(url: string, segments: string[]): Promise<Answer> {
  try {
    const res = await fetch(`${url}v1/translate`, translateRequest({ segments, source: 'en', target: 'de' }));
    const body = (await res.json()) as Record<string, unknown>;
    return { status: res.status, body, contentType: res.headers.get('Content-Type'), retryAfter: res.headers.get('Retry-After') };
  } catch {
    return { status: 0 };
  }
}

function expectShuttingDown(answer: Answer): void {
  expect(answer).toMatchObject({ status: 503, contentType: 'application/problem+json', retryAfter: '1' });
}

describe('while draining', () => {
  it('refuses new requests with 503 and Retry-After, answers 503 on /readyz, and still serves /healthz and /metrics', async () => {
    const { app, ops } = opsApp();
    ops.drain.begin();
    const res = await app.request('/v1/translate', translateRequest({ segments: ['x'], source: 'en', target: 'de' }));
    expect(res.status).toBe(503);
    expect(res.headers.get('Retry-After')).toBe('1');
    expect(await res.json()).toMatchObject({ title: 'Shutting Down', status: 503 });
    expect((await app.request('/readyz')).status).toBe(503);
    expect((await app.request('/healthz')).status).toBe(200);
    expect((await app.request('/metrics')).status).toBe(200);
  });
});

/** The app on the real engine over a held fake backend, listening on a free port, with a GracefulShutdown. */
async function listening(graceMs: number) {
  const metrics = new Metrics();
  const backend = new FakeBackend();
  const { engine } = fakeEngine(metrics, backend);
  engine.start();
  const { app, ops } = opsApp({ service: engine, metrics });
  const { server, url } = await new Promise<{ server: Server; url: string }>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
      resolve({ server: started as Server, url: `http://127.0.0.1:${info.port}/` }),
    );
  });
  const logs: LogRecord[] = [];
  const shutdown = new GracefulShutdown({ server, drain: ops.drain, stopWork: () => engine.stop(), graceMs, log: (r) => logs.push(r) });
  await vi.waitFor(() => expect(engine.models()[0]!.status).toBe('ready'));
  backend.hold = true;
  return { url, backend, shutdown, logs, server };
}

describe('GracefulShutdown', () => {
  it('stops listening, lets the requests in progress finish, then stops the work and exits 0', async () => {
    const { url, backend, shutdown, logs } = await listening(5000);
    const inProgress = [translate(url, ['a']), translate(url, ['b', 'c'])];
    await vi.waitFor(() => expect(backend.jobs).toHaveLength(1));
    // On a busy machine the second request may reach the server after the first one's batch left.
    await vi.waitFor(() => expect(shutdown.activeRequests).toBe(2));
    const exitCode = shutdown.run('SIGTERM');
    expect(await translate(url, ['late'])).toEqual({ status: 0 });
    backend.hold = false;
    backend.release();
    const answers = await Promise.all(inProgress);
    expect(answers.map((answer) => [answer.status, answer.body?.translations])).toEqual([
      [200, ['tr:a']],
      [200, ['tr:b', 'tr:c']],
    ]);
    expect(await exitCode).toBe(0);
    expect(logs.map(({ msg }) => msg)).toEqual(['draining', 'stopped']);
    expect(logs[0]).toMatchObject({ reason: 'SIGTERM', activeRequests: 2 });
  });

  it('fails what is left with 503 at the end of the grace period and exits 1', async () => {
    const { url, backend, shutdown, logs } = await listening(100);
    const stuck = translate(url, ['never']);
    await vi.waitFor(() => expect(backend.jobs).toHaveLength(1));
    const started = performance.now();
    expect(await shutdown.run('SIGTERM')).toBe(1);
    expect(performance.now() - started).toBeLessThan(1000);
    const answer = await stuck;
    expectShuttingDown(answer);
    expect(answer.body).toMatchObject({ code: 'model-unavailable', detail: expect.stringContaining('shutting down') });
    expect(logs.map(({ msg }) => msg)).toEqual(['draining', 'grace period over; failing what is left', 'stopped']);
  });
});

const tinyMarian = 'sotto/opus-mt-en-de-tiny-random';
const modelPresent = existsSync(path.join(repoRoot, 'models', ...tinyMarian.split('/'), 'config.json'));
if (!modelPresent) console.warn(`Skipping the real server's SIGTERM test: ${tinyMarian} is missing (npm run models:generate).`);

/** HTTP requests the server is answering, not counting the scrape that asks. */
async function inflight(url: string): Promise<number> {
  const text = await (await fetch(`${url}metrics`)).text();
  return Number(/^sotto_inflight_requests (\d+)$/m.exec(text)![1]) - 1;
}

describe.skipIf(!modelPresent)('the real server receiving SIGTERM in the middle of a burst', () => {
  // Long enough for the burst on a busy 2-core machine: the test is about draining, not speed.
  const graceMs = 60_000;

  it('answers every accepted request, refuses the later ones, and exits 0 within the grace period', { timeout: 180_000 }, async () => {
    const distDir = mkdtempSync(path.join(tmpdir(), 'sotto-shutdown-dist-'));
    const server = await startServer({
      SOTTO_DIST_DIR: distDir,
      SOTTO_PROVIDERS: 'cpu',
      SOTTO_TRANSLATION_MODELS: tinyMarian,
      SOTTO_TRANSLATION_WORKERS: '1',
      // One segment per batch and no cache: the burst takes seconds on one worker.
      SOTTO_BATCH_MAX_SIZE: '1',
      SOTTO_CACHE_SIZE: '0',
      SOTTO_SHUTDOWN_GRACE_MS: String(graceMs),
    });
    try {
      await vi.waitFor(async () => expect((await fetch(`${server.url}readyz`)).status).toBe(200), { timeout: 120_000, interval: 100 });
      // Long segments, so the burst is still computing when the signal comes even on a fast machine.
      const segments = (r: number) => [0, 1, 2, 3].map((s) => `Request ${r}, segment ${s}: ${'the quick brown fox jumps over the lazy dog '.repeat(8)}`);
      const burst = Array.from({ length: 10 }, (_, r) => translate(server.url, segments(r)));
      await vi.waitFor(async () => expect(await inflight(server.url)).toBe(burst.length), { timeout: 10_000, interval: 10 });

      const signalled = performance.now();
      server.signal('SIGTERM');
      await vi.waitFor(() => expect(server.output()).toContain('"msg":"draining"'), { timeout: 5_000, interval: 5 });
      const late = await Promise.all([0, 1, 2].map(() => translate(server.url, ['Too late.'])));
      const readyz = await fetch(`${server.url}readyz`).then((res) => res.status, () => 0);
      const answers = await Promise.all(burst);
      const exitCode = await server.exited;
      const exitMs = performance.now() - signalled;

      const draining = JSON.parse(server.output().split('\n').find((line) => line.includes('"msg":"draining"'))!) as LogRecord;
      // All ten were in flight a moment before the signal; one may have finished in between.
      expect(draining.activeRequests, 'requests in progress at the signal').toBeGreaterThan(0);
      expect(draining.activeRequests).toBeLessThanOrEqual(burst.length);
      for (const answer of answers) {
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        expect(answer.body?.translations).toHaveLength(4);
      }
      for (const answer of late) {
        expect([0, 503]).toContain(answer.status);
        if (answer.status === 503) expectShuttingDown(answer);
      }
      expect([0, 503]).toContain(readyz);
      expect(exitCode, server.output()).toBe(0);
      expect(exitMs).toBeLessThan(graceMs);
      expect(server.output()).toMatch(/"msg":"stopped","drained":true/);
    } finally {
      await server.stop();
      rmSync(distDir, { recursive: true, force: true });
    }
  });
});
