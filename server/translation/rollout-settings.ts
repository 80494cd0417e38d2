import { z } from 'zod';
import { wholeNumber } from './settings.ts';
import type { CanaryThresholds } from './version-health.ts';

export interface RolloutSettings {
  /** Served model name → the model id its stable version starts on; empty: `translation-default` → the default model. */
  served: Record<string, string>;
  canary: CanaryThresholds;
  /** How long a replaced stable version stays loaded, so that a rollback is instant; later it is reloaded. */
  rollbackGraceMs: number;
}

const envNames = {
  served: 'SOTTO_SERVED_MODELS',
  maxErrorRate: 'SOTTO_CANARY_MAX_ERROR_RATE',
  maxP95Ms: 'SOTTO_CANARY_MAX_P95_MS',
  maxP95Ratio: 'SOTTO_CANARY_MAX_P95_RATIO',
  minRequests: 'SOTTO_CANARY_MIN_REQUESTS',
  windowMs: 'SOTTO_CANARY_WINDOW_MS',
  rollbackGraceMs: 'SOTTO_ROLLBACK_GRACE_MS',
} as const;

type Key = keyof typeof envNames;

const defaults: Record<Key, string> = {
  served: '',
  maxErrorRate: '0.05',
  maxP95Ms: '0',
  maxP95Ratio: '3',
  minRequests: '20',
  windowMs: '60000',
  rollbackGraceMs: '600000',
};

export const defaultServedName = 'translation-default';

const servedName = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'served names are lowercase letters, digits, ".", "_", "-"');
const modelId = z.string().regex(/^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/, 'must look like "owner/name"');
const nonNegative = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'must be a non-negative number')
  .transform(Number);

const schema = z.object({
  served: z
    .string()
    .transform((text) => text.split(',').map((item) => item.trim()).filter((item) => item !== ''))
    .pipe(
      z.array(
        z
          .string()
          .transform((pair) => pair.split('='))
          .pipe(z.tuple([servedName, modelId], 'must be name=owner/model pairs')),
      ),
    ),
  maxErrorRate: nonNegative.pipe(z.number().max(1, 'must be at most 1')),
  maxP95Ms: wholeNumber(0),
  maxP95Ratio: nonNegative,
  minRequests: wholeNumber(1),
  windowMs: wholeNumber(1000),
  rollbackGraceMs: wholeNumber(0),
});

export type ParsedRollout = { ok: true; settings: RolloutSettings } | { ok: false; problems: string[] };

/** Reads the rollout variables (empty ones count as unset); `problems` has one `NAME="value": message` line each. */
export function parseRolloutSettings(env: Record<string, string | undefined>): ParsedRollout {
  const input = Object.fromEntries(Object.entries(envNames).map(([key, name]) => [key, env[name] || defaults[key as Key]])) as Record<Key, string>;
  const result = schema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path[0] as Key;
      return `  ${envNames[key]}=${JSON.stringify(input[key])}: ${issue.message}`;
    });
    return { ok: false, problems };
  }
  const { served, rollbackGraceMs, ...canary } = result.data;
  return { ok: true, settings: { served: Object.fromEntries(served), canary, rollbackGraceMs } };
}
