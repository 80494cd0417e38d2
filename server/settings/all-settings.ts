import { serverSettings } from '../config.ts';
import { httpSettings } from '../http-settings.ts';
import { opsSettings } from '../ops/settings.ts';
import { securitySettings } from '../security/settings.ts';
import { rolloutSettings } from '../translation/rollout-settings.ts';
import { translationSettings } from '../translation/settings.ts';
import type { SettingsTable } from './setting.ts';

/** Every environment variable the server reads, by the part that reads it, in the README's order. */
export const allSettings: readonly SettingsTable[] = [serverSettings, securitySettings, httpSettings, opsSettings, rolloutSettings, translationSettings];
