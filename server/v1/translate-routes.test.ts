import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { testClient } from 'hono/testing';
import { describe, expect, it, vi } from 'vitest';
import { modelsResponseSchema } from '../../contract/translation-api.ts';
import { createApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { TranslationError, type TranslationErrorCode } from '../translation/errors.ts';
import type { TranslationService } from '../translation/service.ts';
import { fakeTranslationService } from '../../testing/translation-doubles.ts';

const config = loadConfig({});
const limits = { maxSegments: 4, maxSegmentChars: 20, maxBodyBytes: 1000 };

function app(overrides: Partial<TranslationService> = {}) {
  const service = fakeTranslationService(overrides);
  return { app: createApp(config, { service, limits }), service };
}

function post(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

async function expectProblem(res: Response, status: number): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status);
  expect(res.headers.get('Content-Type')).toBe('application/problem+json');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ type: 'about:blank', status, title: expect.any(String), detail: expect.any(String) });
  return body;
}

const valid = { segments: ['Hello', 'World'], source: 'en', target: 'de' };

describe('POST /v1/translate', () => {
  it('translates through the typed client', async () => {
    const { app: a } = app();
    const res = await testClient(a).v1.translate.$post({ json: valid });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({
      translations: ['de:Hello', 'de:World'],
      model: { id: 'sotto/fake', version: 'v1' },
      timings: { queuedMs: 1, computeMs: 2, totalMs: 3 },
      cached: 0,
      cost: { computeSeconds: 0.002, price: 2e-7, currency: 'USD' },
    });
  });

  it('passes the model, the lower of the header and body deadlines, and the client signal', async () => {
    const { app: a, service } = app();
    await a.request('/v1/translate', post({ ...valid, model: 'sotto/x', deadlineMs: 900, beams: 4 }, { 'X-Deadline-Ms': '400' }));
    await a.request('/v1/translate', post({ ...valid, deadlineMs: 300 }, { 'X-Deadline-Ms': '400' }));
    await a.request('/v1/translate', post(valid));
    expect(service.requests.map((r) => [r.model, r.deadlineMs, r.beams])).toEqual([
      ['sotto/x', 400, 4],
      [undefined, 300, undefined],
      [undefined, undefined, undefined],
    ]);
    expect(service.requests[0]!.signal).toBeInstanceOf(AbortSignal);
  });

  it('accepts JSON with a charset', async () => {
    const { app: a } = app();
    const res = await a.request('/v1/translate', post(valid, { 'Content-Type': 'application/json; charset=utf-8' }));
    expect(res.status).toBe(200);
  });

  it('answers malformed JSON with 400', async () => {
    const { app: a } = app();
    for (const body of ['{"segments":', '', 'nope']) await expectProblem(await a.request('/v1/translate', post(body)), 400);
  });

  it.each([
    ['text/plain', 'Send the body as application/json (got text/plain).'],
    ['application/x-www-form-urlencoded', 'Send the body as application/json (got application/x-www-form-urlencoded).'],
  ])('answers Content-Type %s with 415', async (type, detail) => {
    const { app: a } = app();
    const body = await expectProblem(await a.request('/v1/translate', post(valid, { 'Content-Type': type })), 415);
    expect(body.detail).toBe(detail);
  });

  it('answers a missing Content-Type with 415', async () => {
    const { app: a } = app();
    const res = await a.request(new Request('http://x/v1/translate', { method: 'POST', body: new Blob([JSON.stringify(valid)]) }));
    await expectProblem(res, 415);
  });

  it('answers a body over the limit with 413, announced or streamed', async () => {
    const { app: a, service } = app();
    const big = JSON.stringify({ ...valid, padding: 'x'.repeat(2000) });
    await expectProblem(await a.request('/v1/translate', post(big)), 413);
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const streamed = new Request('http://x/v1/translate', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    await expectProblem(await a.request(streamed), 413);
    expect(service.requests).toEqual([]);
  });

  it.each([
    ['segments missing', { source: 'en', target: 'de' }, 'segments'],
    ['segments not an array', { ...valid, segments: 'Hello' }, 'segments'],
    ['a segment not a string', { ...valid, segments: ['ok', 42] }, 'segments.1'],
    ['segments empty', { ...valid, segments: [] }, 'segments'],
    ['too many segments', { ...valid, segments: ['a', 'b', 'c', 'd', 'e'] }, 'segments'],
    ['a segment too long', { ...valid, segments: ['x'.repeat(21)] }, 'segments.0'],
    ['source not a string', { ...valid, source: 1 }, 'source'],
    ['source not an ISO code', { ...valid, source: 'english' }, 'source'],
    ['target missing', { segments: ['x'], source: 'en' }, 'target'],
    ['model empty', { ...valid, model: '' }, 'model'],
    ['deadline zero', { ...valid, deadlineMs: 0 }, 'deadlineMs'],
    ['deadline fractional', { ...valid, deadlineMs: 1.5 }, 'deadlineMs'],
    ['deadline a string', { ...valid, deadlineMs: '100' }, 'deadlineMs'],
    ['beams zero', { ...valid, beams: 0 }, 'beams'],
    ['beams above 4', { ...valid, beams: 5 }, 'beams'],
    ['beams fractional', { ...valid, beams: 2.5 }, 'beams'],
    ['body an array', [valid], ''],
    ['body null', null, ''],
  ])('answers %s with 422 naming the field', async (_name, body, path) => {
    const { app: a, service } = app();
    const problem = await expectProblem(await a.request('/v1/translate', post(body)), 422);
    expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    expect(service.requests).toEqual([]);
  });

  it.each(['abc', '-5', '0', '1.5', ''])('answers X-Deadline-Ms %j with 422', async (value) => {
    const { app: a } = app();
    await expectProblem(await a.request('/v1/translate', post(valid, { 'X-Deadline-Ms': value })), 422);
  });

  it.each<[TranslationErrorCode, number, number | undefined]>([
    ['unknown-model', 422, undefined],
    ['unknown-language', 422, undefined],
    ['unsupported-direction', 422, undefined],
    ['unsupported-option', 422, undefined],
    ['queue-full', 429, 7],
    ['model-unavailable', 503, 30],
    ['worker-failed', 503, undefined],
    ['deadline-exceeded', 504, undefined],
  ])('answers the engine error %s with %i', async (code, status, retryAfter) => {
    const { app: a } = app({
      translate: async () => {
        throw new TranslationError(code, `because ${code}`, retryAfter);
      },
    });
    const res = await a.request('/v1/translate', post(valid));
    const body = await expectProblem(res, status);
    expect(body).toMatchObject({ detail: `because ${code}`, code });
    expect(res.headers.get('Retry-After')).toBe(retryAfter === undefined ? null : String(retryAfter));
  });

  it('answers an unexpected failure with a 500 problem that leaks nothing', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { app: a } = app({
      translate: async () => {
        throw new Error('secret internals');
      },
    });
    const body = await expectProblem(await a.request('/v1/translate', post(valid)), 500);
    expect(JSON.stringify(body)).not.toContain('secret');
    spy.mockRestore();
  });

  it('answers 503 when translation is not running', async () => {
    const a = createApp(config);
    const body = await expectProblem(await a.request('/v1/translate', post(valid)), 503);
    expect(body.detail).toBe('Translation is not running on this server.');
    await expectProblem(await a.request('/v1/stats'), 503);
    expect(await (await a.request('/v1/models')).json()).toEqual({ models: [], limits: { maxSegments: 128, maxSegmentChars: 2000, maxCharsPerRequest: 30_000 } });
  });

  it('never answers a bad request with a 5xx', async () => {
    const { app: a } = app();
    const bodies = ['', '{', '[]', '1', '"x"', 'null', '{"segments":null}', '{"segments":[null]}', '{"segments":[[]]}', '{"segments":["x"],"source":"en","target":{}}', '{"__proto__":{"x":1}}', `{"segments":["${'\\u0000'.repeat(3)}"]}`];
    for (const body of bodies) {
      const res = await a.request('/v1/translate', post(body));
      expect(res.status, body).toBeGreaterThanOrEqual(400);
      expect(res.status, body).toBeLessThan(500);
      expect(res.headers.get('Content-Type')).toBe('application/problem+json');
    }
  });
});

describe('GET /v1/models and /v1/stats', () => {
  it('lists the models', async () => {
    const { app: a } = app();
    const res = await testClient(a).v1.models.$get();
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.models[0]).toMatchObject({ id: 'sotto/fake', status: 'ready', provider: 'cpu', precision: 'q8' });
  });

  it('publishes the request limits, with the caller\'s character budget', async () => {
    const { app: a } = app();
    const body = modelsResponseSchema.parse(await (await a.request('/v1/models')).json());
    // 4 segments of at most 20 characters, well inside the anonymous budget of 30000 characters a minute.
    expect(body.limits).toEqual({ maxSegments: 4, maxSegmentChars: 20, maxCharsPerRequest: 80 });
    const unlimited = createApp(loadConfig({ SOTTO_ANON_CHARS_PER_MINUTE: '0' }), { service: fakeTranslationService(), limits: { maxSegments: 500, maxSegmentChars: 2000, maxBodyBytes: 2 ** 20 } });
    // Then the body limit decides: 90 % of 1 MiB, at most 3 bytes a character.
    expect(modelsResponseSchema.parse(await (await unlimited.request('/v1/models')).json()).limits?.maxCharsPerRequest).toBe(314_572);
    const budgeted = createApp(loadConfig({ SOTTO_ANON_CHARS_PER_MINUTE: '500' }), { service: fakeTranslationService(), limits: { maxSegments: 500, maxSegmentChars: 2000, maxBodyBytes: 2 ** 20 } });
    expect(modelsResponseSchema.parse(await (await budgeted.request('/v1/models')).json()).limits?.maxCharsPerRequest).toBe(500);
  });

  it('reports cache, queue and worker statistics', async () => {
    const { app: a } = app();
    const res = await a.request('/v1/stats');
    expect(await res.json()).toMatchObject({ cache: { hitRate: 0 }, queue: { queued: 0 }, workers: { restarts: 0 } });
  });

  it('answers unknown /v1 paths with 404 problem json, not the app page', async () => {
    const { app: a } = app();
    await expectProblem(await a.request('/v1/nope', { headers: { Accept: 'text/html' } }), 404);
  });
});

describe('over a real connection', () => {
  it('aborts the translation when the client disconnects', async () => {
    let signal: AbortSignal | undefined;
    const { app: a } = app({
      translate: (request) =>
        new Promise((_, reject) => {
          signal = request.signal;
          signal?.addEventListener('abort', () => reject(new TranslationError('cancelled', 'gone')));
        }),
    });
    const server = serve({ fetch: a.fetch, port: 0, hostname: '127.0.0.1' });
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const client = new AbortController();
    const response = fetch(`http://127.0.0.1:${port}/v1/translate`, { ...post(valid), signal: client.signal });
    await vi.waitFor(() => expect(signal).toBeDefined());
    expect(signal!.aborted).toBe(false);
    client.abort();
    await expect(response).rejects.toThrow();
    await vi.waitFor(() => expect(signal!.aborted).toBe(true));
    server.close();
  });
});
