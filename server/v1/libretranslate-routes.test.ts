import { describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { TranslationError, type TranslationErrorCode } from '../translation/errors.ts';
import type { TranslationService } from '../translation/service.ts';
import { fakeTranslationService } from '../translation/test-doubles.ts';

const limits = { maxSegments: 3, maxSegmentChars: 20, maxBodyBytes: 1000 };

function app(overrides: Partial<TranslationService> = {}) {
  const service = fakeTranslationService(overrides);
  return { app: createApp(loadConfig({}), { service, limits }), service };
}

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

async function expectError(res: Response, status: number): Promise<string> {
  expect(res.status).toBe(status);
  expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
  const body = (await res.json()) as { error: string };
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toEqual(expect.any(String));
  return body.error;
}

describe('POST /translate (LibreTranslate)', () => {
  it('translates a string q into a string', async () => {
    const { app: a, service } = app();
    const res = await a.request('/translate', json({ q: 'Hello', source: 'en', target: 'de', format: 'text', api_key: 'ignored' }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ translatedText: 'de:Hello' });
    expect(service.requests[0]).toMatchObject({ segments: ['Hello'], source: 'en', target: 'de' });
  });

  it('translates an array q into an array', async () => {
    const { app: a } = app();
    const res = await a.request('/translate', json({ q: ['a', 'b'], source: 'en', target: 'de' }));
    expect(await res.json()).toEqual({ translatedText: ['de:a', 'de:b'] });
  });

  it('accepts a urlencoded form, with repeated q as an array', async () => {
    const { app: a } = app();
    const single = await a.request('/translate', { method: 'POST', body: new URLSearchParams({ q: 'Hi', source: 'en', target: 'de' }) });
    expect(await single.json()).toEqual({ translatedText: 'de:Hi' });
    const form = new URLSearchParams([['q', 'a'], ['q', 'b'], ['source', 'en'], ['target', 'de']]);
    const repeated = await a.request('/translate', { method: 'POST', body: form });
    expect(await repeated.json()).toEqual({ translatedText: ['de:a', 'de:b'] });
  });

  it('accepts multipart form data', async () => {
    const { app: a } = app();
    const form = new FormData();
    form.set('q', 'Hi');
    form.set('source', 'en');
    form.set('target', 'de');
    const res = await a.request('/translate', { method: 'POST', body: form });
    expect(await res.json()).toEqual({ translatedText: 'de:Hi' });
  });

  it('honours the deadline header', async () => {
    const { app: a, service } = app();
    await a.request('/translate', { ...json({ q: 'x', source: 'en', target: 'de' }), headers: { 'Content-Type': 'application/json', 'X-Deadline-Ms': '250' } });
    expect(service.requests[0]!.deadlineMs).toBe(250);
  });

  it.each([
    ['q missing', { source: 'en', target: 'de' }, 'q'],
    ['q a number', { q: 5, source: 'en', target: 'de' }, 'q'],
    ['q empty array', { q: [], source: 'en', target: 'de' }, 'q'],
    ['too many texts', { q: ['a', 'b', 'c', 'd'], source: 'en', target: 'de' }, 'q'],
    ['a text too long', { q: 'x'.repeat(21), source: 'en', target: 'de' }, 'q'],
    ['source missing', { q: 'x', target: 'de' }, 'source'],
    ['target missing', { q: 'x', source: 'en' }, 'target'],
    ['unknown format', { q: 'x', source: 'en', target: 'de', format: 'markdown' }, 'format'],
  ])('answers %s with 400 and an error', async (_name, body, field) => {
    const { app: a, service } = app();
    expect(await expectError(await a.request('/translate', json(body)), 400)).toMatch(new RegExp(`^Invalid request: .*${field}`));
    expect(service.requests).toEqual([]);
  });

  it('answers html format with 400: only text is supported', async () => {
    const { app: a } = app();
    expect(await expectError(await a.request('/translate', json({ q: '<b>x</b>', source: 'en', target: 'de', format: 'html' })), 400)).toBe(
      'Only format "text" is supported.',
    );
  });

  it('answers source "auto" with 422: there is no language detection', async () => {
    const { app: a } = app();
    expect(await expectError(await a.request('/translate', json({ q: 'x', source: 'auto', target: 'de' })), 422)).toMatch(/detection/);
  });

  it('answers malformed JSON with 400, a wrong Content-Type with 415, a large body with 413', async () => {
    const { app: a } = app();
    await expectError(await a.request('/translate', json('{"q":')), 400);
    await expectError(await a.request('/translate', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'q=x' }), 415);
    await expectError(await a.request('/translate', json({ q: 'x'.repeat(2000), source: 'en', target: 'de' })), 413);
  });

  it.each<[TranslationErrorCode, number]>([
    ['unknown-language', 422],
    ['unsupported-direction', 422],
    ['queue-full', 429],
    ['model-unavailable', 503],
    ['deadline-exceeded', 504],
  ])('answers the engine error %s with %i and an error', async (code, status) => {
    const { app: a } = app({
      translate: async () => {
        throw new TranslationError(code, `because ${code}`, code === 'queue-full' ? 2 : undefined);
      },
    });
    const res = await a.request('/translate', json({ q: 'x', source: 'en', target: 'de' }));
    expect(await expectError(res, status)).toBe(`because ${code}`);
    if (code === 'queue-full') expect(res.headers.get('Retry-After')).toBe('2');
  });
});

describe('GET /languages (LibreTranslate)', () => {
  it('lists codes, English names and targets', async () => {
    const { app: a } = app();
    const res = await a.request('/languages');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([
      { code: 'de', name: 'German', targets: [] },
      { code: 'en', name: 'English', targets: ['de'] },
    ]);
  });
});
