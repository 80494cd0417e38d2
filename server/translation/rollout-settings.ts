import { z } from 'zod';
import { readSettings, setting, type SettingsResult } from '../settings/setting.ts';
import { commaList, modelId, wholeNumber } from '../settings/schemas.ts';
import type { CanaryThresholds } from './version-health.ts';

export interface RolloutSettings {
  /** Served model name → the model id its stable version starts on; empty: `translation-default` → the default model. */
  served: Record<string, string>;
  canary: CanaryThresholds;
  /** How long a replaced stable version stays loaded, so that a rollback is instant; later it is reloaded. */
  rollbackGraceMs: number;
}

export const defaultServedName = 'translation-default';

const servedName = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'served names are lowercase letters, digits, ".", "_", "-"');
const nonNegative = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'must be a non-negative number')
  .transform(Number);

export const rolloutSettings = {
  served: setting({
    env: 'SOTTO_SERVED_MODELS',
    default: '',
    shownDefault: `\`${defaultServedName}=\` the first of \`SOTTO_TRANSLATION_MODELS\` (else the manifest default)`,
    schema: z
      .string()
      .transform(commaList)
      .pipe(z.array(z.string().transform((pair) => pair.split('=')).pipe(z.tuple([servedName, modelId], 'must be name=owner/model pairs')))),
    doc: 'served model names and the model each starts on, `name=owner/model,…`; requests naming a served name, or no model, are routed to its versions',
  }),
  maxErrorRate: setting({
    env: 'SOTTO_CANARY_MAX_ERROR_RATE',
    default: '0.05',
    schema: nonNegative.pipe(z.number().max(1, 'must be at most 1')),
    doc: 'a canary whose share of failed requests (500, 503, 504) in the window is above this is rolled back',
  }),
  maxP95Ms: setting({
    env: 'SOTTO_CANARY_MAX_P95_MS',
    default: '0',
    shownDefault: '`0` (off)',
    schema: wholeNumber(0),
    doc: 'a canary whose p95 latency in the window is above this is rolled back',
  }),
  maxP95Ratio: setting({
    env: 'SOTTO_CANARY_MAX_P95_RATIO',
    default: '3',
    shownDefault: '`3` (`0`: off)',
    schema: nonNegative,
    doc: "a canary whose p95 is more than this many times the stable version's is rolled back",
  }),
  minRequests: setting({
    env: 'SOTTO_CANARY_MIN_REQUESTS',
    default: '20',
    schema: wholeNumber(1),
    doc: 'requests a canary (and, for the ratio, the stable version) needs in the window before it is judged',
  }),
  windowMs: setting({
    env: 'SOTTO_CANARY_WINDOW_MS',
    default: '60000',
    schema: wholeNumber(1000),
    doc: 'the rolling window of those statistics, per version',
  }),
  rollbackGraceMs: setting({
    env: 'SOTTO_ROLLBACK_GRACE_MS',
    default: '600000',
    schema: wholeNumber(0),
    doc: 'how long a replaced version stays loaded, so that a rollback is instant; later a rollback reloads it first',
  }),
};

/** Reads the rollout variables (empty ones count as unset); `problems` has one `NAME="value": message` line each. */
export function parseRolloutSettings(env: Record<string, string | undefined>): SettingsResult<RolloutSettings> {
  return readSettings(rolloutSettings, env).result(({ served, rollbackGraceMs, ...canary }) => ({
    served: Object.fromEntries(served),
    canary,
    rollbackGraceMs,
  }));
}
