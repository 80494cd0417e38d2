import { spawnSync } from 'node:child_process';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { fakeTranslationService } from '../../testing/translation-doubles.ts';
import { chargeTranslation } from './cost.ts';
import { parseExposition, sampleValue } from './exposition-parser.ts';
import { httpMetrics, Metrics, metricsEndpoint } from './metrics.ts';
import { fakeEngine, opsApp, translateRequest } from '../../testing/ops-app.ts';

type App = ReturnType<typeof opsApp>['app'];

async function scrape(app: App) {
  const res = await app.request('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers.get('Content-Type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  const text = await res.text();
  return { text, families: parseExposition(text) };
}

const marian = { model: 'sotto/marian', version: 'v-sotto/marian' };
const body = (segments: string[]) => ({ segments, source: 'en', target: 'de' });

/** The app on the real engine (fake backend), with the model loaded, and some traffic sent. */
async function trafficked() {
  const metrics = new Metrics();
  const { engine } = fakeEngine(metrics);
  const { app } = opsApp({ service: engine, requiredModels: ['sotto/marian'], metrics });
  engine.start();
  const charged = { computeSeconds: 0, price: 0 };
  for (const segments of [['Hello world', 'Good morning'], ['Hello world'], ['abcd', '']]) {
    const res = await app.request('/v1/translate', translateRequest(body(segments)));
    expect(res.status).toBe(200);
    const { cost } = (await res.json()) as { cost: typeof charged };
    charged.computeSeconds += cost.computeSeconds;
    charged.price += cost.price;
  }
  await app.request('/v1/translate', translateRequest({ segments: [] }));
  await app.request('/v1/models');
  await app.request('/v1/models');
  await app.request('/v1/no/such/path-7f3a');
  return { app, charged };
}

describe('GET /metrics', () => {
  it('is valid text exposition whose request counters match the requests sent, by route pattern', async () => {
    const { app } = await trafficked();
    const { text, families } = await scrape(app);
    const requests = (labels: Record<string, string>) => sampleValue(families, 'sotto_http_requests_total', labels);
    expect(requests({ route: '/v1/translate', method: 'POST', status: '200', ...marian })).toBe(3);
    expect(requests({ route: '/v1/translate', method: 'POST', status: '422', model: '' })).toBe(1);
    expect(requests({ route: '/v1/models', method: 'GET', status: '200' })).toBe(2);
    expect(requests({ route: '/v1/*', method: 'GET', status: '404' })).toBe(1);
    expect(text).not.toContain('path-7f3a');
    const durations = { route: '/v1/models', method: 'GET', status: '200' };
    expect(sampleValue(families, 'sotto_http_request_duration_seconds_count', durations)).toBe(2);
    // The scrape counts itself.
    expect(sampleValue(families, 'sotto_inflight_requests')).toBe(1);
    expect(families.get('sotto_http_requests_total')).toMatchObject({ type: 'counter', help: 'HTTP requests answered.' });
  });

  it('reports batches, tokens, language pairs, drift, the queue, the cache and the execution provider', async () => {
    const { app, charged } = await trafficked();
    const { families } = await scrape(app);
    const value = (name: string, labels: Record<string, string> = {}) => sampleValue(families, name, labels);
    // Two batches: "Hello world" the second time came from the cache, and "" is never computed.
    expect(value('sotto_batch_size_count', marian)).toBe(2);
    expect(value('sotto_batch_size_sum', marian)).toBe(3);
    expect(value('sotto_translation_segments_total', { ...marian, source: 'en', target: 'de' })).toBe(5);
    // ceil(chars / 4) + 1 per text: "Hello world" 4, "Good morning" 4, "abcd" 2; outputs carry a "tr:" prefix.
    expect(value('sotto_tokens_total', { ...marian, kind: 'input' })).toBe(10);
    expect(value('sotto_tokens_total', { ...marian, kind: 'output' })).toBe(5 + 5 + 3);
    expect(value('sotto_input_chars_count', marian)).toBe(4);
    expect(value('sotto_input_chars_sum', marian)).toBe(11 + 12 + 11 + 4);
    expect(value('sotto_output_input_ratio_bucket', { ...marian, le: '1' })).toBe(0);
    expect(value('sotto_output_input_ratio_bucket', { ...marian, le: '2' })).toBe(4);
    expect(value('sotto_request_compute_seconds_count', marian)).toBe(3);
    expect(value('sotto_request_queued_seconds_count', marian)).toBe(3);
    expect(value('sotto_queue_depth')).toBe(0);
    expect(value('sotto_queue_capacity')).toBe(10);
    expect(value('sotto_cache_hits_total')).toBe(1);
    expect(value('sotto_cache_misses_total')).toBe(3);
    expect(value('sotto_execution_provider', { model: 'sotto/marian', provider: 'cpu', precision: 'q8' })).toBe(1);
    expect(value('sotto_compute_seconds_total', { ...marian, key: 'anonymous' })).toBeCloseTo(charged.computeSeconds, 9);
    expect(value('sotto_cost_total', { ...marian, key: 'anonymous', currency: 'USD' })).toBeCloseTo(charged.price, 12);
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(value('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('still answers while translation is not running, with the engine series at zero', async () => {
    const off = fakeTranslationService({
      stats: () => {
        throw new Error('Translation is off');
      },
    });
    const { families } = await scrape(opsApp({ service: off }).app);
    expect(sampleValue(families, 'sotto_queue_depth')).toBe(0);
    expect(sampleValue(families, 'sotto_cache_hits_total')).toBe(0);
  });

  it('passes promtool check metrics without a single lint (promtool is required in CI)', async ({ skip }) => {
    const probe = spawnSync('promtool', ['--version']);
    if (probe.error) {
      if (process.env.CI) throw new Error('promtool is missing: CI must install it (Debian: apt-get install prometheus).');
      skip('promtool is not installed (Debian: apt-get install prometheus); the strict parser still checks the format.');
    }
    const { text } = await scrape((await trafficked()).app);
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${lint.stdout}${lint.stderr}`.trim()).toBe('');
    expect(lint.status).toBe(0);
  });
});

describe('compute and cost by API key', () => {
  it('attributes each answer to the key that asked, at the configured price', async () => {
    const metrics = new Metrics();
    const service = fakeTranslationService();
    const pricing = { perComputeSecond: 0.5, currency: 'EUR' };
    const app = new Hono()
      .use(httpMetrics(metrics))
      .use(async (c, next) => {
        const key = c.req.header('X-Key');
        if (key) c.set('apiKeyId', key);
        await next();
      })
      .get('/metrics', metricsEndpoint(metrics))
      .post('/translate', async (c) => c.json(chargeTranslation(c, await service.translate(body(['x'])), pricing)));
    for (const key of ['team-a', 'team-a', 'team-b', '']) {
      await app.request('/translate', { method: 'POST', headers: { 'X-Key': key } });
    }
    const families = parseExposition(await (await app.request('/metrics')).text());
    const labels = (key: string) => ({ model: 'sotto/fake', version: 'v1', key });
    expect(sampleValue(families, 'sotto_compute_seconds_total', labels('team-a'))).toBeCloseTo(0.004, 12);
    expect(sampleValue(families, 'sotto_compute_seconds_total', labels('team-b'))).toBeCloseTo(0.002, 12);
    expect(sampleValue(families, 'sotto_compute_seconds_total', labels('anonymous'))).toBeCloseTo(0.002, 12);
    expect(sampleValue(families, 'sotto_cost_total', { ...labels('team-a'), currency: 'EUR' })).toBeCloseTo(0.002, 12);
  });
});

describe('parseExposition', () => {
  it.each([
    ['no final line feed', 'a 1'],
    ['a bad metric name', '1a 1\n'],
    ['an unquoted label', 'a{b=c} 1\n'],
    ['a bad value', 'a 1,5\n'],
    ['a late TYPE', 'a 1\n# TYPE a counter\n'],
    ['a negative counter', '# TYPE a counter\na -1\n'],
    ['scattered samples', 'a 1\nb 1\na{x="1"} 2\n'],
    ['a histogram without +Inf', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'],
    ['decreasing buckets', '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'],
  ])('rejects %s', (_name, text) => {
    expect(() => parseExposition(text)).toThrow();
  });

  it('reads escaped label values', () => {
    expect(sampleValue(parseExposition('a{b="x\\"y\\\\z\\n"} 2.5e3\n'), 'a', { b: 'x"y\\z\n' })).toBe(2500);
  });
});
