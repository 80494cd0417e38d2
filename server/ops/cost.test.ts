import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { fakeTranslationService } from '../../testing/translation-doubles.ts';
import { apiKeyOf, costOf } from './cost.ts';
import { opsApp, translateRequest } from '../../testing/ops-app.ts';

const usd = { perComputeSecond: 0.0001, currency: 'USD' };

describe('costOf', () => {
  it('prices compute seconds at the configured rate', () => {
    expect(costOf(2, usd)).toEqual({ computeSeconds: 2, price: 0.0002, currency: 'USD' });
    expect(costOf(0, { perComputeSecond: 0.5, currency: 'EUR' })).toEqual({ computeSeconds: 0, price: 0, currency: 'EUR' });
  });

  it('rounds to microseconds of compute, and prices the rounded seconds without float noise', () => {
    expect(costOf(0.1 + 0.2, usd)).toEqual({ computeSeconds: 0.3, price: 0.00003, currency: 'USD' });
    expect(costOf(0.0123456789, usd)).toEqual({ computeSeconds: 0.012346, price: 0.0000012346, currency: 'USD' });
    expect(costOf(1 / 3, { perComputeSecond: 3, currency: 'USD' }).price).toBe(0.999999);
  });
});

describe('the cost of a /v1/translate answer', () => {
  it('replaces the engine share of compute time with cost: seconds, price and currency', async () => {
    const service = fakeTranslationService({
      translate: async (request) => ({
        translations: request.segments,
        model: { id: 'sotto/fake', version: 'v1' },
        timings: { queuedMs: 0, computeMs: 40, totalMs: 41 },
        cached: 1,
        computeSeconds: 0.025,
      }),
    });
    const { app } = opsApp({ service, pricing: { perComputeSecond: 0.002, currency: 'EUR' } });
    const res = await app.request('/v1/translate', translateRequest({ segments: ['a', 'b'], source: 'en', target: 'de' }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.cost).toEqual({ computeSeconds: 0.025, price: 0.00005, currency: 'EUR' });
    expect(body).not.toHaveProperty('computeSeconds');
  });
});

describe('apiKeyOf', () => {
  const keyOf = (set?: string) =>
    new Hono()
      .use(async (c, next) => {
        if (set !== undefined) c.set('apiKeyId', set);
        await next();
      })
      .get('/', (c) => c.text(apiKeyOf(c)));

  it('attributes to the authenticated key, or to "anonymous"', async () => {
    expect(await (await keyOf('team-a').request('/')).text()).toBe('team-a');
    expect(await (await keyOf().request('/')).text()).toBe('anonymous');
  });
});
