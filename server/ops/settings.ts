import { z } from 'zod';
import { readSettings, setting, type SettingsResult } from '../settings/setting.ts';
import { wholeNumber } from '../settings/schemas.ts';
import type { Pricing } from './cost.ts';

export interface OpsSettings {
  pricing: Pricing;
  /** How long in-flight and queued work may take to finish after SIGTERM. */
  shutdownGraceMs: number;
}

export const opsSettings = {
  perComputeSecond: setting({
    env: 'SOTTO_PRICE_PER_COMPUTE_SECOND',
    default: '0.0001',
    schema: z
      .string()
      .regex(/^\d+(\.\d+)?$/, 'must be a decimal number such as 0.0001')
      .transform(Number)
      .pipe(z.number().finite('is too large')),
    doc: 'price of one second of inference time; each `/v1/translate` answer carries `cost: { computeSeconds, price, currency }`',
  }),
  currency: setting({
    env: 'SOTTO_PRICE_CURRENCY',
    default: 'USD',
    schema: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code such as USD'),
    doc: 'ISO 4217 code of that price',
  }),
  shutdownGraceMs: setting({
    env: 'SOTTO_SHUTDOWN_GRACE_MS',
    default: '25000',
    schema: wholeNumber(0),
    doc: 'after SIGTERM, how long queued and in-flight requests may take to finish before they are failed with 503',
  }),
};

/** Reads the operations variables (empty ones count as unset); `problems` has one `NAME="value": message` line each. */
export function parseOpsSettings(env: Record<string, string | undefined>): SettingsResult<OpsSettings> {
  return readSettings(opsSettings, env).result(({ perComputeSecond, currency, shutdownGraceMs }) => ({
    pricing: { perComputeSecond, currency },
    shutdownGraceMs,
  }));
}

const defaults = parseOpsSettings({});
if (!defaults.ok) throw new Error(`The operations defaults do not parse:\n${defaults.problems.join('\n')}`);
export const defaultOpsSettings: OpsSettings = defaults.settings;
