import type { Context } from 'hono';
import type { TranslateResult } from '../translation/service.ts';

/** What a second of inference time is billed at. */
export interface Pricing {
  perComputeSecond: number;
  /** ISO 4217 code, e.g. USD. */
  currency: string;
}

/** The `cost` field of a /v1/translate answer. */
export interface Cost {
  /** This request's share of inference time (see TranslateResult.computeSeconds). */
  computeSeconds: number;
  /** computeSeconds × the price per compute-second. */
  price: number;
  currency: string;
}

// Microseconds of compute; prices to 1e-10, enough for fractions of a cent per hour and free of float noise.
const roundTo = (value: number, decimals: number) => Number(value.toFixed(decimals));

export function costOf(computeSeconds: number, pricing: Pricing): Cost {
  const seconds = roundTo(computeSeconds, 6);
  return { computeSeconds: seconds, price: roundTo(seconds * pricing.perComputeSecond, 10), currency: pricing.currency };
}

/** What a translation route leaves in the context for the request log and the metrics. */
export interface TranslationUsage {
  model: TranslateResult['model'];
  segments: number;
  cached: number;
  timings: TranslateResult['timings'];
  cost: Cost;
}

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by the translation routes on a successful answer. */
    translationUsage?: TranslationUsage;
  }
}

/** Prices a translation and records its usage on the context; the answer is the result with `cost` for `computeSeconds`. */
export function chargeTranslation(c: Context, result: TranslateResult, pricing: Pricing) {
  const { computeSeconds, ...answer } = result;
  const cost = costOf(computeSeconds, pricing);
  const { model, cached, timings } = result;
  c.set('translationUsage', { model, segments: result.translations.length, cached, timings, cost });
  return { ...answer, cost };
}

const anonymousKey = 'anonymous';

/** The id of the API key the request authenticated with (set by security/api-guard.ts), or "anonymous". */
export function apiKeyOf(c: Context): string {
  return c.get('apiKeyId') ?? anonymousKey;
}
