import { describe, expect, it } from 'vitest';
import { BinaryPayloadError } from '../shared/server-calls.ts';
import { batches, parseRetryAfter, ServerTranslator, type ServerTranslatorOptions } from './server-translator.ts';
import { AbortError } from '../shared/abort-error.ts';
import { parseTraceparent } from '../../contract/traceparent.ts';

interface SentRequest {
  url: string;
  method: string;
  body: Record<string, unknown> | undefined;
  signal: AbortSignal;
  traceparent: string | null;
}

type Reply = (request: SentRequest) => Response | Promise<Response>;

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
const problem = (status: number, title: string, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ type: 'about:blank', title, status, detail: `because ${title}` }), {
    status,
    headers: { 'Content-Type': 'application/problem+json', ...headers },
  });
const translated = (request: SentRequest) =>
  json({
    translations: (request.body!.segments as string[]).map((s) => `de:${s}`),
    model: { id: 'sotto/nllb-tiny-random', version: 'v1' },
    timings: { queuedMs: 1, computeMs: 2, totalMs: 3 },
    cached: 0,
  });
const networkError: Reply = () => Promise.reject(new TypeError('fetch failed'));

/** A server that answers each request with the next reply (the last one repeats), on a clock the test moves. */
function fakeServer(replies: Reply[], options: Partial<ServerTranslatorOptions> = {}) {
  const requests: SentRequest[] = [];
  const sleeps: number[] = [];
  let now = 1_000_000;
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as Record<string, unknown>) : undefined;
    const request = { url: String(input), method: init?.method ?? 'GET', body, signal: init!.signal!, traceparent: new Headers(init?.headers).get('traceparent') };
    requests.push(request);
    now += 40;
    return replies[Math.min(requests.length, replies.length) - 1]!(request);
  };
  const translator = new ServerTranslator({
    baseUrl: 'http://sotto.test/',
    fetch,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    random: () => 0.5,
    ...options,
  });
  return { translator, requests, sleeps, clock: { get now() { return now; } } };
}

describe('ServerTranslator.translate', () => {
  it('sends text, counts the body bytes each way and measures the latency', async () => {
    const { translator, requests } = fakeServer([translated]);
    const result = await translator.translate(['Grüße', 'Hi'], 'en', 'de', { deadlineMs: 5_000 });
    expect(result.translations).toEqual(['de:Grüße', 'de:Hi']);
    expect(result.failure).toBeUndefined();
    expect(result.latencyMs).toBe(40);
    expect(requests[0]).toMatchObject({ url: 'http://sotto.test/v1/translate', method: 'POST', body: { segments: ['Grüße', 'Hi'], source: 'en', target: 'de', deadlineMs: 5_000 } });
    const sentBody = JSON.stringify({ segments: ['Grüße', 'Hi'], source: 'en', target: 'de', deadlineMs: 5_000 });
    expect(result.traffic.bytesSent).toBe(new TextEncoder().encode(sentBody).byteLength);
    expect(result.traffic.bytesReceived).toBe(new TextEncoder().encode(JSON.stringify(await translated(requests[0]!).json())).byteLength);
    expect(result.traffic.requests).toBe(1);
  });

  it.each([
    ['a Float32Array segment', [new Float32Array(16_000)]],
    ['an ArrayBuffer segment', [new ArrayBuffer(8)]],
    ['a Blob segment', [new Blob(['RIFF'])]],
    ['a number segment', [42]],
    ['an object holding audio', [{ samples: new Int16Array(4) }]],
  ])('refuses %s before any network call', async (_name, segments) => {
    const { translator, requests } = fakeServer([translated]);
    await expect(translator.translate(segments as unknown as string[], 'en', 'de', { deadlineMs: 5_000 })).rejects.toBeInstanceOf(BinaryPayloadError);
    expect(requests).toEqual([]);
  });

  it('splits segments into requests and keeps their order', async () => {
    const { translator, requests } = fakeServer([translated], { maxSegmentsPerRequest: 2 });
    const result = await translator.translate(['a', 'b', 'c', 'd', 'e'], 'en', 'de', { deadlineMs: 5_000 });
    expect(result.translations).toEqual(['de:a', 'de:b', 'de:c', 'de:d', 'de:e']);
    expect(requests.map((r) => r.body!.segments)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(result.traffic.requests).toBe(3);
  });

  it('retries network errors with exponential backoff and jitter', async () => {
    const { translator, sleeps } = fakeServer([networkError, networkError, translated], { backoffBaseMs: 200 });
    const result = await translator.translate(['a'], 'en', 'de', { deadlineMs: 5_000 });
    expect(result.translations).toEqual(['de:a']);
    expect(sleeps).toEqual([150, 300]); // half of 200 and 400 fixed, plus half of them times random() = 0.5
  });

  it('reports unreachable once the attempts are used up', async () => {
    const { translator, requests } = fakeServer([networkError], { maxAttempts: 3 });
    const result = await translator.translate(['a'], 'en', 'de', { deadlineMs: 60_000 });
    expect(result.failure).toMatchObject({ kind: 'unreachable' });
    expect(requests).toHaveLength(3);
    expect(result.traffic.requests).toBe(3);
  });

  it('honours Retry-After on 503 when it fits in the deadline', async () => {
    const { translator, sleeps } = fakeServer([() => problem(503, 'Model Unavailable', { 'Retry-After': '2' }), translated]);
    const result = await translator.translate(['a'], 'en', 'de', { deadlineMs: 5_000 });
    expect(result.translations).toEqual(['de:a']);
    expect(sleeps).toEqual([2_000]);
  });

  it('gives up at once with "overloaded until T" when Retry-After passes the deadline', async () => {
    const { translator, requests, sleeps, clock } = fakeServer([() => problem(429, 'Too Many Requests', { 'Retry-After': '30' })]);
    const result = await translator.translate(['a'], 'en', 'de', { deadlineMs: 5_000 });
    expect(result.failure).toEqual({ kind: 'overloaded', retryAfterUntil: clock.now + 30_000, message: expect.stringMatching(/overloaded until .*Too Many Requests/) });
    expect(requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('backs off on 429 without Retry-After', async () => {
    const { translator, sleeps } = fakeServer([() => problem(429, 'Too Many Requests'), translated], { backoffBaseMs: 100 });
    expect((await translator.translate(['a'], 'en', 'de', { deadlineMs: 5_000 })).translations).toEqual(['de:a']);
    expect(sleeps).toEqual([75]);
  });

  it.each([
    [422, 'Unsupported Direction'],
    [413, 'Content Too Large'],
    [500, 'Internal Server Error'],
  ])('maps %i to refused with the problem title, without retrying', async (status, title) => {
    const { translator, requests } = fakeServer([() => problem(status, title)]);
    const result = await translator.translate(['a'], 'en', 'de', { deadlineMs: 5_000 });
    expect(result.failure).toMatchObject({ kind: 'refused', status, title, message: expect.stringContaining(`because ${title}`) });
    expect(requests).toHaveLength(1);
  });

  it('maps 504 to slow', async () => {
    const { translator } = fakeServer([() => problem(504, 'Deadline Exceeded')]);
    expect((await translator.translate(['a'], 'en', 'de', { deadlineMs: 5_000 })).failure).toMatchObject({ kind: 'slow' });
  });

  it('aborts a request at the deadline and reports slow', async () => {
    const hang: Reply = ({ signal }) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    const translator = new ServerTranslator({ baseUrl: 'http://sotto.test/', fetch: async (_input, init) => hang({ url: '', method: 'POST', body: undefined, signal: init!.signal!, traceparent: null }) });
    const started = Date.now();
    const result = await translator.translate(['a'], 'en', 'de', { deadlineMs: 60 });
    expect(result.failure).toMatchObject({ kind: 'slow' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('rejects with AbortError when the caller cancels', async () => {
    const hang: Reply = ({ signal }) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    const { translator } = fakeServer([hang]);
    const controller = new AbortController();
    const pending = translator.translate(['a'], 'en', 'de', { deadlineMs: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    await expect(pending).rejects.toBeInstanceOf(AbortError);
  });

  it('returns the translations it got when a later request fails', async () => {
    const { translator } = fakeServer([translated, () => problem(422, 'Unknown Language')], { maxSegmentsPerRequest: 1 });
    const result = await translator.translate(['a', 'b', 'c'], 'en', 'de', { deadlineMs: 5_000 });
    expect(result.translations).toEqual(['de:a']);
    expect(result.failure).toMatchObject({ kind: 'refused', status: 422 });
  });

  it('sends a traceparent per attempt: one trace per call, a new span each attempt', async () => {
    const { translator, requests } = fakeServer([networkError, translated]);
    await translator.translate(['Hi'], 'en', 'de', { deadlineMs: 5_000 });
    await translator.translate(['Hi'], 'en', 'de', { deadlineMs: 5_000 });
    const [first, retry, next] = requests.map((request) => parseTraceparent(request.traceparent)!);
    expect(first).toBeDefined();
    expect(retry!.traceId).toBe(first!.traceId);
    expect(retry!.parentId).not.toBe(first!.parentId);
    expect(next!.traceId).not.toBe(first!.traceId);
  });

  it('adds up the cost the server billed over its requests', async () => {
    const billed = (request: SentRequest) =>
      translated(request)
        .json()
        .then((body: object) => json({ ...body, cost: { computeSeconds: 0.25, price: 0.000025, currency: 'USD' } }));
    const { translator } = fakeServer([billed], { maxSegmentsPerRequest: 1 });
    const result = await translator.translate(['a', 'b'], 'en', 'de', { deadlineMs: 5_000 });
    expect(result.cost).toEqual({ computeSeconds: 0.5, price: 0.00005, currency: 'USD' });
  });

  it('maps 401 to a refusal that says an API key is needed, without retrying', async () => {
    const { translator, requests } = fakeServer([() => problem(401, 'Unauthorized')]);
    const result = await translator.translate(['Hi'], 'en', 'de', { deadlineMs: 5_000 });
    expect(result.failure).toEqual({ kind: 'refused', status: 401, title: 'Unauthorized', message: 'the server requires an API key (401 Unauthorized)' });
    expect(requests).toHaveLength(1);
  });

  it('refuses an answer with the wrong number of translations', async () => {
    const { translator } = fakeServer([() => json({ translations: [], model: { id: 'm', version: '1' }, timings: { queuedMs: 0, computeMs: 0, totalMs: 0 }, cached: 0 })]);
    expect((await translator.translate(['a'], 'en', 'de', { deadlineMs: 5_000 })).failure).toMatchObject({ kind: 'refused', title: 'Malformed Response' });
  });
});

describe('ServerTranslator.probe', () => {
  const models = { models: [{ id: 'sotto/nllb-tiny-random', version: 'v1', status: 'ready', provider: 'cpu', languages: ['en', 'de'], directions: [{ source: 'en', target: 'de' }] }] };

  it('asks /healthz where /readyz is not served, then lists the models', async () => {
    const { translator, requests } = fakeServer([() => problem(404, 'Not Found'), () => json({ status: 'ok' }), () => json(models)]);
    const probe = await translator.probe();
    expect(requests.map((r) => new URL(r.url).pathname)).toEqual(['/readyz', '/healthz', '/v1/models']);
    expect(probe).toMatchObject({ reachable: true, ready: true, models: [{ id: 'sotto/nllb-tiny-random', provider: 'cpu' }] });
  });

  it('reads the limits the server publishes and splits later requests by them', async () => {
    const limits = { maxSegments: 2, maxSegmentChars: 100, maxCharsPerRequest: 5 };
    const { translator, requests } = fakeServer([() => json({ status: 'ready', models: [] }), () => json({ ...models, limits }), translated]);
    expect(await translator.probe()).toMatchObject({ limits });
    await translator.translate(['ab', 'cd', 'ef', 'ghijkl'], 'en', 'de', { deadlineMs: 5_000 });
    // At most two segments and five characters a request; a longer segment goes alone.
    expect(requests.slice(2).map((r) => r.body!.segments)).toEqual([['ab', 'cd'], ['ef'], ['ghijkl']]);
  });

  it('reports a server that is up but not ready', async () => {
    const { translator } = fakeServer([() => problem(503, 'Not Ready')]);
    expect(await translator.probe()).toMatchObject({ reachable: true, ready: false });
  });

  it('reports an unreachable server', async () => {
    const { translator } = fakeServer([networkError]);
    expect(await translator.probe()).toEqual({ reachable: false, ready: false });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it.each([
    ['5', now + 5_000],
    ['0', now],
    ['Wed, 01 Jan 2025 00:00:30 GMT', now + 30_000],
    ['Tue, 31 Dec 2024 23:00:00 GMT', now],
    [null, undefined],
    ['soon', undefined],
  ])('%s → %s', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe('batches', () => {
  it('limits segments and characters per request, but never splits a segment', () => {
    expect(batches(['aaaa', 'bb', 'cc', 'dddddd', 'e'], 3, 6)).toEqual([['aaaa', 'bb'], ['cc'], ['dddddd'], ['e']]);
    expect(batches([], 3, 6)).toEqual([]);
  });
});
