import { createHash } from 'node:crypto';
import { translate } from 'libretranslate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTinyModels, startTranslationServer, tinyNllb, type TranslationServer } from '../../testing/load/translation-server.ts';
import { parseExposition, sampleValue } from '../ops/exposition-parser.ts';
import { htmlText } from './html-text.ts';

/**
 * The real `libretranslate` npm client (a devDependency) against the real server process. Keys are checked when
 * given (SOTTO_AUTH=optional, so that the test harness can poll /v1/models without one).
 */

const key = `sotto_libre.${'k'.repeat(43)}`;
const metricsToken = `sotto-metrics.${'t'.repeat(43)}`;
const sha256 = (secret: string) => `sha256$${createHash('sha256').update(secret).digest('hex')}`;

const runnable = ensureTinyModels();
if (!runnable) console.warn('Skipping the LibreTranslate client test: the tiny NLLB model is missing.');

describe.skipIf(!runnable)('the libretranslate npm client against the real server', () => {
  let server: TranslationServer;
  let apiurl = '';

  beforeAll(async () => {
    server = await startTranslationServer({
      SOTTO_TRANSLATION_MODELS: tinyNllb,
      SOTTO_TRANSLATION_PRECISION: 'fp32',
      SOTTO_AUTH: 'optional',
      SOTTO_API_KEYS: JSON.stringify([{ id: 'libre', hash: sha256(key) }]),
      SOTTO_METRICS_TOKEN_HASH: sha256(metricsToken),
    });
    // The client appends "/translate" to it.
    apiurl = server.url.replace(/\/$/, '');
  }, 180_000);

  afterAll(() => server?.stop());

  const direct = async (segments: string[]) =>
    (await server.translate({ segments, source: 'en', target: 'de' }, { Authorization: `Bearer ${key}` })).body as { translations: string[] };

  it('translates what /v1 translates, with the source given or detected', async () => {
    const sentence = 'The weather is nice today and the train to the city is on time.';
    const [expected] = (await direct([sentence])).translations;
    expect(await translate({ query: sentence, source: 'en', target: 'de', apiurl, apiKey: key })).toBe(expected);
    expect(await translate({ query: sentence, target: 'de', apiurl, apiKey: key })).toBe(expected);
  }, 60_000);

  it('translates the text of HTML and keeps its tags', async () => {
    const query = '<p class="greeting">Hello <b>world</b></p>';
    const expected = htmlText(query).rebuild((await direct(['Hello', 'world'])).translations);
    expect(expected).toMatch(/^<p class="greeting">.+ <b>.+<\/b><\/p>$/);
    expect(await translate({ query, source: 'en', target: 'de', format: 'html', apiurl, apiKey: key })).toBe(expected);
  }, 60_000);

  it('gets no translation with a wrong key: the server answers 403 in LibreTranslate’s shape', async () => {
    expect(await translate({ query: 'Hello', source: 'en', target: 'de', apiurl, apiKey: 'sotto_libre.wrong' })).toBeUndefined();
    const res = await fetch(`${apiurl}/translate`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ q: 'Hello', source: 'en', target: 'de', api_key: 'sotto_libre.wrong' }),
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: 'This API key is not valid.' });
  });

  it('bills the client’s requests to its key, on /metrics', async () => {
    await translate({ query: 'Billed sentence.', source: 'en', target: 'de', apiurl, apiKey: key });
    const res = await fetch(`${apiurl}/metrics`, { headers: { Authorization: `Bearer ${metricsToken}` } });
    const families = parseExposition(await res.text());
    const models = (await server.models()).filter((model) => model.id === tinyNllb);
    const labels = { model: tinyNllb, version: models[0]!.version, key: 'libre' };
    expect(sampleValue(families, 'sotto_compute_seconds_total', labels)).toBeGreaterThan(0);
    expect(sampleValue(families, 'sotto_http_requests_total', { route: '/translate', method: 'POST', status: '200', model: tinyNllb })).toBeGreaterThan(0);
  }, 60_000);
});
