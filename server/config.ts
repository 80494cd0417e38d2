import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseHttpSettings, type HttpSettings } from './http-settings.ts';
import { parseOpsSettings, type OpsSettings } from './ops/settings.ts';
import { parseSecuritySettings, type SecuritySettings } from './security/settings.ts';
import { parseRolloutSettings, type RolloutSettings } from './translation/rollout-settings.ts';
import { parseTranslationSettings, type TranslationSettings } from './translation/settings.ts';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export const defaults = {
  port: 8080,
  host: '127.0.0.1',
  distDir: path.join(repoRoot, 'dist'),
  modelsDir: path.join(repoRoot, 'models'),
  asrModel: 'sotto/whisper-tiny-random',
  liveAsrModel: 'sotto/moonshine-tiny-random',
} as const;

const envNames = {
  port: 'PORT',
  host: 'HOST',
  distDir: 'SOTTO_DIST_DIR',
  modelsDir: 'SOTTO_MODELS_DIR',
  asrModel: 'SOTTO_ASR_MODEL',
  liveAsrModel: 'SOTTO_LIVE_ASR_MODEL',
} as const;

// Model ids become path segments under the models dir, so only `owner/name` made of safe characters is accepted.
const modelId = z
  .string()
  .regex(/^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/, 'must look like "owner/name" (letters, digits, ".", "_", "-")');

const directory = z
  .string()
  .min(1, 'must not be empty')
  .transform((dir) => path.resolve(dir));

const schema = z.object({
  port: z
    .string()
    .regex(/^\d{1,5}$/, 'must be a whole number between 0 and 65535')
    .transform(Number)
    .pipe(z.number().max(65535, 'must be a whole number between 0 and 65535')),
  host: z.string().min(1, 'must not be empty'),
  distDir: directory,
  modelsDir: directory,
  asrModel: modelId,
  /** `none`: recordings use asrModel too. */
  liveAsrModel: z.union([z.literal('none').transform(() => null), modelId]),
});

/** `security`: API keys, admin key, CORS and anonymous limits; the variables and checks are in security/settings.ts. */
export type ServerConfig = z.output<typeof schema> & { security: SecuritySettings };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Embedded defaults, overridden by environment variables; empty variables count as unset. */
export function loadConfig(env: Record<string, string | undefined> = process.env): ServerConfig {
  const pick = (key: keyof typeof envNames): string => {
    const value = env[envNames[key]];
    return value === undefined || value === '' ? String(defaults[key]) : value;
  };
  const input = {
    port: pick('port'),
    host: pick('host'),
    distDir: pick('distDir'),
    modelsDir: pick('modelsDir'),
    asrModel: pick('asrModel'),
    liveAsrModel: pick('liveAsrModel'),
  };
  const result = schema.safeParse(input);
  const security = parseSecuritySettings(env);
  if (result.success && security.ok) return { ...result.data, security: security.settings };

  const lines = (result.error?.issues ?? []).map((issue) => {
    const key = issue.path[0] as keyof typeof envNames;
    return `  ${envNames[key]}=${JSON.stringify(input[key])}: ${issue.message}`;
  });
  if (!security.ok) lines.push(...security.problems);
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}

// --- Translation settings: the variables, their defaults and checks are in translation/settings.ts. ---

export type { TranslationSettings } from './translation/settings.ts';

/** The translation engine's settings from the environment; a ConfigError lists every bad variable. */
export function loadTranslationConfig(env: Record<string, string | undefined> = process.env): TranslationSettings {
  const result = parseTranslationSettings(env);
  if (result.ok) return result.settings;
  throw new ConfigError(`Invalid configuration:\n${result.problems.join('\n')}`);
}

// --- Operations settings (pricing, shutdown grace): the variables, their defaults and checks are in ops/settings.ts. ---

export type { OpsSettings } from './ops/settings.ts';

/** Pricing and shutdown settings from the environment; a ConfigError lists every bad variable. */
export function loadOpsConfig(env: Record<string, string | undefined> = process.env): OpsSettings {
  const result = parseOpsSettings(env);
  if (result.ok) return result.settings;
  throw new ConfigError(`Invalid configuration:\n${result.problems.join('\n')}`);
}

// --- Model rollout settings (served models, canary thresholds): the variables and checks are in translation/rollout-settings.ts. ---

export type { RolloutSettings } from './translation/rollout-settings.ts';

/** Served models, canary thresholds and the rollback grace from the environment; a ConfigError lists every bad variable. */
export function loadRolloutConfig(env: Record<string, string | undefined> = process.env): RolloutSettings {
  const result = parseRolloutSettings(env);
  if (result.ok) return result.settings;
  throw new ConfigError(`Invalid configuration:\n${result.problems.join('\n')}`);
}

// --- HTTP server settings (timeouts, connection cap): the variables and checks are in http-settings.ts. ---

export type { HttpSettings } from './http-settings.ts';

/** Header and request timeouts and the connection cap from the environment; a ConfigError lists every bad variable. */
export function loadHttpConfig(env: Record<string, string | undefined> = process.env): HttpSettings {
  const result = parseHttpSettings(env);
  if (result.ok) return result.settings;
  throw new ConfigError(`Invalid configuration:\n${result.problems.join('\n')}`);
}
