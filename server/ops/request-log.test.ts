import { describe, expect, it } from 'vitest';
import { parseTraceparent } from '../../contract/traceparent.ts';
import { TranslationError } from '../translation/errors.ts';
import { fakeTranslationService } from '../../testing/translation-doubles.ts';
import { acceptRequestId } from './request-log.ts';
import { opsApp, translateRequest } from '../../testing/ops-app.ts';

const callerTrace = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const valid = { segments: ['Secret words', 'more'], source: 'en', target: 'de' };

describe('acceptRequestId', () => {
  it.each(['abc-123', '0f8fad5b-d9cb-469f-a165-70867728950e', 'Root=1-5e1b4151-5ac6c58f', 'a'.repeat(128)])(
    'keeps %s',
    (id) => expect(acceptRequestId(id)).toBe(id),
  );

  it.each([undefined, '', 'a'.repeat(129), 'has space', 'new\nline', '<script>', 'é'])('replaces %j with a new UUID', (id) => {
    expect(acceptRequestId(id)).toMatch(uuid);
  });
});

describe('requestLog', () => {
  it('echoes a valid X-Request-Id and continues the caller trace with a new span', async () => {
    const { app, logs } = opsApp();
    const res = await app.request('/v1/models', { headers: { 'X-Request-Id': 'req-42', traceparent: callerTrace } });
    expect(res.headers.get('X-Request-Id')).toBe('req-42');
    const echoed = parseTraceparent(res.headers.get('traceparent'));
    expect(echoed).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', flags: '01' });
    expect(echoed!.parentId).not.toBe('00f067aa0ba902b7');
    expect(logs).toEqual([
      {
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        level: 'info',
        msg: 'request',
        requestId: 'req-42',
        method: 'GET',
        route: '/v1/models',
        status: 200,
        ms: expect.any(Number),
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: echoed!.parentId,
      },
    ]);
  });

  it('replaces an invalid request id and starts a new trace for an invalid traceparent', async () => {
    const { app, logs } = opsApp();
    const res = await app.request('/v1/models', { headers: { 'X-Request-Id': 'bad id', traceparent: callerTrace.toUpperCase() } });
    expect(res.headers.get('X-Request-Id')).toMatch(uuid);
    const trace = parseTraceparent(res.headers.get('traceparent'));
    expect(trace).toBeDefined();
    expect(trace!.traceId).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(logs[0]).toMatchObject({ requestId: res.headers.get('X-Request-Id'), traceId: trace!.traceId });
  });

  it('logs a translation with its model, segments, cache hits and compute time, never its text', async () => {
    const { app, logs } = opsApp();
    const res = await app.request('/v1/translate', translateRequest(valid, { 'X-Request-Id': 'tr-1' }));
    expect(res.status).toBe(200);
    expect(logs).toEqual([
      expect.objectContaining({
        level: 'info',
        requestId: 'tr-1',
        method: 'POST',
        route: '/v1/translate',
        status: 200,
        model: 'sotto/fake',
        version: 'v1',
        segments: 2,
        cached: 0,
        computeMs: 2,
        key: 'anonymous',
      }),
    ]);
    expect(JSON.stringify(logs)).not.toMatch(/Secret|more/);
  });

  it('logs client errors as warnings and server errors as errors, with the route pattern, not the path', async () => {
    const service = fakeTranslationService({
      translate: async () => {
        throw new TranslationError('worker-failed', 'boom');
      },
    });
    const { app, logs } = opsApp({ service });
    await app.request('/v1/nothing/here?x=1');
    await app.request('/v1/translate', translateRequest(valid));
    expect(logs.map(({ level, route, status }) => ({ level, route, status }))).toEqual([
      { level: 'warn', route: '/v1/*', status: 404 },
      { level: 'error', route: '/v1/translate', status: 503 },
    ]);
  });

  it('leaves probes and scrapes out of the log, even a /readyz that fails while models load', async () => {
    const { app, logs } = opsApp();
    for (const path of ['/healthz', '/metrics', '/readyz']) await app.request(path);
    expect(logs).toEqual([]);
  });
});
