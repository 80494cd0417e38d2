import { z } from 'zod';
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

type Key = keyof typeof opsEnvNames;

const opsDefaults: Record<Key, string> = { perComputeSecond: '0.0001', currency: 'USD', shutdownGraceMs: '25000' };

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
  const input = Object.fromEntries(Object.entries(opsEnvNames).map(([key, name]) => [key, env[name] || opsDefaults[key as Key]]));
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, settings: parsed(result.data) };
  const problems = result.error.issues.map((issue) => {
    const key = issue.path[0] as Key;
    return `  ${opsEnvNames[key]}=${JSON.stringify(input[key])}: ${issue.message}`;
  });
  return { ok: false, problems };
}
