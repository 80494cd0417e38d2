import { describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { TranslationError, type TranslationErrorCode } from '../translation/errors.ts';
import type { TranslationService } from '../translation/service.ts';
import { parseExposition, sampleValue } from '../ops/exposition-parser.ts';
import { opsApp } from '../../testing/ops-app.ts';
import { fakeTranslationService } from '../../testing/translation-doubles.ts';

const limits = { maxSegments: 3, maxSegmentChars: 20, maxBodyBytes: 1000 };

function app(overrides: Partial<TranslationService> = {}, requestLimits = limits) {
  const service = fakeTranslationService(overrides);
  return { app: createApp(loadConfig({}), { service, limits: requestLimits }), service };
}

/** Room for sentences and markup. */
const wide = (overrides: Partial<TranslationService> = {}) => app(overrides, { maxSegments: 3, maxSegmentChars: 300, maxBodyBytes: 5000 });

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

  it('translates the text nodes of format "html", keeping the markup', async () => {
    const { app: a, service } = wide();
    const res = await a.request('/translate', json({ q: '<p class="x">Hi <b>you</b></p><script>no</script>', source: 'en', target: 'de', format: 'html' }));
    expect(await res.json()).toEqual({ translatedText: '<p class="x">de:Hi <b>de:you</b></p><script>no</script>' });
    expect(service.requests[0]!.segments).toEqual(['Hi', 'you']);
  });

  it('detects the language of source "auto" and says which, as LibreTranslate does', async () => {
    const { app: a, service } = wide();
    const res = await a.request('/translate', json({ q: 'The dog and the cat are in the house.', source: 'auto', target: 'de' }));
    expect(await res.json()).toEqual({
      translatedText: 'de:The dog and the cat are in the house.',
      detectedLanguage: { language: 'en', confidence: expect.any(Number) },
    });
    expect(service.requests[0]).toMatchObject({ source: 'en', target: 'de' });
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

describe('POST /translate, as LibreTranslate documents it', () => {
  it('is billed, counted and logged like /v1: model, compute seconds, cost and the request log line', async () => {
    const { app: a, logs } = opsApp();
    const res = await a.request('/translate', json({ q: ['Hello', 'World'], source: 'en', target: 'de' }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ translatedText: ['de:Hello', 'de:World'] });
    expect(logs.find((record) => record.route === '/translate')).toMatchObject({
      msg: 'request',
      status: 200,
      model: 'sotto/fake',
      version: 'v1',
      segments: 2,
      computeMs: 2,
      key: 'anonymous',
    });
    const families = parseExposition(await (await a.request('/metrics')).text());
    const model = { model: 'sotto/fake', version: 'v1' };
    expect(sampleValue(families, 'sotto_http_requests_total', { route: '/translate', method: 'POST', status: '200', ...model })).toBe(1);
    expect(sampleValue(families, 'sotto_compute_seconds_total', { ...model, key: 'anonymous' })).toBeCloseTo(0.002, 9);
    expect(sampleValue(families, 'sotto_cost_total', { ...model, key: 'anonymous', currency: 'USD' })).toBeCloseTo(2e-7, 12);
  });

  it('passes alternatives through and answers them per text, an empty list where the engine has none', async () => {
    const { app: a, service } = app({
      translate: async (request) => ({
        ...(await fakeTranslationService().translate(request)),
        alternatives: request.segments.map((segment) => [`alt1:${segment}`, `alt2:${segment}`]),
      }),
    });
    const single = await a.request('/translate', json({ q: 'Hi', source: 'en', target: 'de', alternatives: 2 }));
    expect(await single.json()).toEqual({ translatedText: 'de:Hi', alternatives: ['alt1:Hi', 'alt2:Hi'] });
    const batch = await a.request('/translate', { method: 'POST', body: new URLSearchParams([['q', 'a'], ['q', 'b'], ['source', 'en'], ['target', 'de'], ['alternatives', '1']]) });
    expect(await batch.json()).toEqual({ translatedText: ['de:a', 'de:b'], alternatives: [['alt1:a', 'alt2:a'], ['alt1:b', 'alt2:b']] });
    const { app: plain, service: recorded } = app();
    expect(await (await plain.request('/translate', json({ q: 'Hi', source: 'en', target: 'de', alternatives: 3 }))).json()).toEqual({
      translatedText: 'de:Hi',
      alternatives: [],
    });
    expect(recorded.requests[0]!.alternatives).toBe(3);
    expect(await (await plain.request('/translate', json({ q: '<b>Hi</b>', source: 'en', target: 'de', format: 'html', alternatives: 1 }))).json()).toEqual({
      translatedText: '<b>de:Hi</b>',
      alternatives: [],
    });
    expect(recorded.requests[1]!.alternatives).toBeUndefined();
    expect(service.requests).toEqual([]);
  });

  it.each([
    [{ alternatives: -1 }, 'alternatives'],
    [{ alternatives: 6 }, 'alternatives'],
    [{ alternatives: 'two' }, 'alternatives'],
  ])('answers %j with 400', async (extra, field) => {
    const { app: a } = app();
    expect(await expectError(await a.request('/translate', json({ q: 'x', source: 'en', target: 'de', ...extra })), 400)).toMatch(new RegExp(field));
  });

  it.each([
    ['EN', 'De', 'en', 'de'],
    ['en-US', 'de-AT', 'en', 'de'],
    ['en_GB', 'DE-de', 'en', 'de'],
  ])('takes language codes case-insensitively and without their region: %s → %s', async (source, target, wantSource, wantTarget) => {
    const { app: a, service } = app();
    expect((await a.request('/translate', json({ q: 'x', source, target }))).status).toBe(200);
    expect(service.requests[0]).toMatchObject({ source: wantSource, target: wantTarget });
  });

  it('maps pt-BR, LibreTranslate’s pb, zh-Hans and zt onto the served pt and zh', async () => {
    const languages = () => [
      { code: 'en', targets: ['pt', 'zh'] },
      { code: 'pt', targets: ['en'] },
      { code: 'zh', targets: ['en'] },
    ];
    const { app: a, service } = app({ languages });
    for (const target of ['pt-BR', 'pb', 'zh-Hans', 'zh-Hant', 'zt', 'ZH']) await a.request('/translate', json({ q: 'x', source: 'en', target }));
    expect(service.requests.map((r) => r.target)).toEqual(['pt', 'pt', 'zh', 'zh', 'zh', 'zh']);
  });

  it('detects once for a batch and answers detectedLanguage per text; text already in the target comes back as it is', async () => {
    const { app: a, service } = wide();
    const batch = await a.request('/translate', json({ q: ['Der Hund ist nicht im Haus.', 'Die Katze auch nicht.'], source: 'auto', target: 'DE' }));
    const body = (await batch.json()) as { translatedText: string[]; detectedLanguage: { language: string }[] };
    expect(body.translatedText).toEqual(['Der Hund ist nicht im Haus.', 'Die Katze auch nicht.']);
    expect(body.detectedLanguage.map((d) => d.language)).toEqual(['de', 'de']);
    expect(service.requests).toEqual([]);
  });

  it('refuses HTML with more text nodes than a request may have segments', async () => {
    const { app: a, service } = wide();
    const res = await a.request('/translate', json({ q: '<i>a</i><i>b</i><i>c</i><i>d</i>', source: 'en', target: 'de', format: 'html' }));
    expect(await expectError(res, 400)).toBe('Invalid request: the HTML has 4 text nodes; at most 3 are translated in one request.');
    expect(service.requests).toEqual([]);
  });
});

describe('POST /detect (LibreTranslate)', () => {
  it('answers the likely languages with confidences, the likeliest first', async () => {
    const { app: a } = app();
    const res = await a.request('/detect', json({ q: 'Der Hund und die Katze sind nicht im Haus.' }));
    expect(res.status).toBe(200);
    const detections = (await res.json()) as { language: string; confidence: number }[];
    expect(detections[0]).toEqual({ language: 'de', confidence: expect.any(Number) });
    const form = await a.request('/detect', { method: 'POST', body: new URLSearchParams({ q: 'The house is big.' }) });
    expect(((await form.json()) as { language: string }[])[0]!.language).toBe('en');
  });

  it('answers a missing q with 400 in LibreTranslate’s words', async () => {
    const { app: a } = app();
    expect(await expectError(await a.request('/detect', json({})), 400)).toBe('Invalid request: missing q parameter');
    await expectError(await a.request('/detect', json('{"q":')), 400);
  });
});

describe('GET /frontend/settings (LibreTranslate)', () => {
  it('describes the server as LibreTranslate’s web page reads it', async () => {
    const { app: a } = app();
    const res = await a.request('/frontend/settings');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      charLimit: 20,
      frontendTimeout: 500,
      apiKeys: false,
      keyRequired: false,
      suggestions: false,
      filesTranslation: false,
      supportedFilesFormat: [],
      language: { source: { code: 'auto', name: 'Auto Detect' }, target: { code: 'de', name: 'German' } },
    });
  });
});
