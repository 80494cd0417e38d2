import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseHttpSettings, type HttpSettings } from './http-settings.ts';
import { parseOpsSettings, type OpsSettings } from './ops/settings.ts';
import { parseSecuritySettings, type SecuritySettings } from './security/settings.ts';
import { readSettings, setting, type SettingsResult, type SettingValues } from './settings/setting.ts';
import { directory, modelId } from './settings/schemas.ts';
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

export const serverSettings = {
  port: setting({
    env: 'PORT',
    default: String(defaults.port),
    schema: z
      .string()
      .regex(/^\d{1,5}$/, 'must be a whole number between 0 and 65535')
      .transform(Number)
      .pipe(z.number().max(65535, 'must be a whole number between 0 and 65535')),
    doc: 'port to listen on',
  }),
  host: setting({ env: 'HOST', default: defaults.host, schema: z.string().min(1, 'must not be empty'), doc: 'address to listen on' }),
  asrModel: setting({
    env: 'SOTTO_ASR_MODEL',
    default: defaults.asrModel,
    schema: modelId,
    doc: 'the speech model the app loads (an id from `models/manifest.json`)',
  }),
  liveAsrModel: setting({
    env: 'SOTTO_LIVE_ASR_MODEL',
    default: defaults.liveAsrModel,
    schema: z.union([z.literal('none').transform(() => null), modelId]),
    doc: 'the speech model for recordings, in languages it knows: partials on the audio there is, no 30 s window (`none`: recordings use `SOTTO_ASR_MODEL` too)',
  }),
  distDir: setting({ env: 'SOTTO_DIST_DIR', default: defaults.distDir, shownDefault: '`dist/`', schema: directory, doc: 'the built web app' }),
  modelsDir: setting({ env: 'SOTTO_MODELS_DIR', default: defaults.modelsDir, shownDefault: '`models/`', schema: directory, doc: 'the manifest and model folders' }),
};

/** `security`: API keys, admin key, CORS and anonymous limits; the variables and checks are in security/settings.ts. */
export type ServerConfig = SettingValues<typeof serverSettings> & { security: SecuritySettings };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function orThrow<T>(result: SettingsResult<T>): T {
  if (result.ok) return result.settings;
  throw new ConfigError(`Invalid configuration:\n${result.problems.join('\n')}`);
}

/** Embedded defaults, overridden by environment variables; empty variables count as unset. */
export function loadConfig(env: Record<string, string | undefined> = process.env): ServerConfig {
  const server = readSettings(serverSettings, env);
  const security = parseSecuritySettings(env);
  if (!security.ok) return orThrow<ServerConfig>({ ok: false, problems: [...server.problems, ...security.problems] });
  return orThrow(server.result((values) => ({ ...values, security: security.settings })));
}

// The variables of each part, their defaults and checks are beside it: translation/settings.ts (engine),
// ops/settings.ts (pricing, shutdown grace), translation/rollout-settings.ts (served models, canary), http-settings.ts.

export type { TranslationSettings } from './translation/settings.ts';
export type { OpsSettings } from './ops/settings.ts';
export type { RolloutSettings } from './translation/rollout-settings.ts';
export type { HttpSettings } from './http-settings.ts';

/** The translation engine's settings from the environment; a ConfigError lists every bad variable. */
export const loadTranslationConfig = (env: Record<string, string | undefined> = process.env): TranslationSettings => orThrow(parseTranslationSettings(env));

/** Pricing and shutdown settings from the environment; a ConfigError lists every bad variable. */
export const loadOpsConfig = (env: Record<string, string | undefined> = process.env): OpsSettings => orThrow(parseOpsSettings(env));

/** Served models, canary thresholds and the rollback grace from the environment; a ConfigError lists every bad variable. */
export const loadRolloutConfig = (env: Record<string, string | undefined> = process.env): RolloutSettings => orThrow(parseRolloutSettings(env));

/** Header and request timeouts and the connection cap from the environment; a ConfigError lists every bad variable. */
export const loadHttpConfig = (env: Record<string, string | undefined> = process.env): HttpSettings => orThrow(parseHttpSettings(env));
