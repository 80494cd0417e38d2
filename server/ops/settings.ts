import { z } from 'zod';
import { readEnvSettings } from '../env-settings.ts';
import { wholeNumber } from '../translation/settings.ts';
import type { Pricing } from './cost.ts';

export interface OpsSettings {
  pricing: Pricing;
  /** How long in-flight and queued work may take to finish after SIGTERM. */
  shutdownGraceMs: number;
}

const opsEnvNames = {
  perComputeSecond: 'SOTTO_PRICE_PER_COMPUTE_SECOND',
  currency: 'SOTTO_PRICE_CURRENCY',
  shutdownGraceMs: 'SOTTO_SHUTDOWN_GRACE_MS',
} as const;

const opsDefaults: Record<keyof typeof opsEnvNames, string> = { perComputeSecond: '0.0001', currency: 'USD', shutdownGraceMs: '25000' };

const schema = z.object({
  perComputeSecond: z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'must be a decimal number such as 0.0001')
    .transform(Number)
    .pipe(z.number().finite('is too large')),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code such as USD'),
  shutdownGraceMs: wholeNumber(0),
});

export const defaultOpsSettings: OpsSettings = parsed(schema.parse(opsDefaults));

function parsed(value: z.output<typeof schema>): OpsSettings {
  return { pricing: { perComputeSecond: value.perComputeSecond, currency: value.currency }, shutdownGraceMs: value.shutdownGraceMs };
}

export type ParsedOpsSettings = { ok: true; settings: OpsSettings } | { ok: false; problems: string[] };

/** Reads the operations variables (empty ones count as unset); `problems` has one `NAME="value": message` line each. */
export function parseOpsSettings(env: Record<string, string | undefined>): ParsedOpsSettings {
  const read = readEnvSettings(opsEnvNames, opsDefaults, schema, env);
  return read.ok ? { ok: true, settings: parsed(read.value) } : read;
}
