import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { readSettings, setting, type SettingsResult } from '../settings/setting.ts';
import { commaList } from '../settings/schemas.ts';
import { type KeyHash, parseKeyHash } from './key-hash.ts';
import { parseKeysText, type RawEntry } from './keys-file.ts';

const AUTH_MODES = ['required', 'optional', 'off'] as const;
type AuthMode = (typeof AUTH_MODES)[number];

export interface ApiKeyEntry {
  id: string;
  hash: KeyHash;
  rateLimitPerMinute?: number;
  /** Characters of text a minute, over all its requests: what inference costs grows with them, not with requests. */
  charsPerMinute?: number;
  quotaSegmentsPerDay?: number;
  revoked: boolean;
  /** Where the entry came from: revocations are written back to the keys file, never to the environment. */
  source: 'file' | 'env';
}

export interface SecuritySettings {
  auth: AuthMode;
  keys: ApiKeyEntry[];
  keysFile?: string;
  /** Unset: the /admin routes answer 404. */
  adminKeyHash?: KeyHash;
  /** Opens GET /metrics to scrapers (as does the admin key); once set, /metrics needs one of the two whatever SOTTO_AUTH says. */
  metricsTokenHash?: KeyHash;
  /** Origins allowed to call the API from a browser; empty: same-origin only. */
  corsOrigins: string[];
  /** Per client address, for requests without a key; 0: no limit. */
  anonRatePerMinute: number;
  /** Characters of text a minute per client address, for requests without a key; 0: no limit. */
  anonCharsPerMinute: number;
  /** Proxies in front of the server that append to X-Forwarded-For (0: the peer is the client). */
  trustedProxyHops: number;
}

/** Key ids show in URLs, logs and keys (`sotto_<id>.<secret>`), hence no dots. */
export const keyIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

function toKeyHash(text: string, ctx: z.RefinementCtx): KeyHash {
  const parsed = parseKeyHash(text);
  if (parsed.ok) return parsed.hash;
  ctx.addIssue({ code: 'custom', message: parsed.problem });
  return z.NEVER;
}

const keyHash = z.string().transform(toKeyHash);
const optionalKeyHash = z.string().transform((text, ctx) => (text === '' ? undefined : toKeyHash(text, ctx)));

const positiveInt = z.number().int('must be a whole number').min(1, 'must be at least 1');

const entrySchema = z
  .object({
    id: z.string().regex(keyIdPattern, 'must be 1 to 64 letters, digits, "_" or "-"'),
    hash: keyHash,
    rateLimitPerMinute: positiveInt.optional(),
    charsPerMinute: positiveInt.optional(),
    quotaSegmentsPerDay: positiveInt.optional(),
    revoked: z.literal(true, 'must be true when present').optional(),
  })
  .strict();

const origin = z.string().transform((text, ctx) => {
  const trimmed = text.replace(/\/$/, '');
  let parsed: URL | undefined;
  try {
    parsed = new URL(trimmed);
  } catch {
    // reported below
  }
  if (parsed && /^https?:$/.test(parsed.protocol) && parsed.origin === trimmed) return trimmed;
  ctx.addIssue({ code: 'custom', message: `"${text}" is not an origin like https://app.example.com (scheme, host and port only)` });
  return z.NEVER;
});

const keyEntriesJson = z.string().transform((text, ctx): RawEntry[] => {
  if (text === '') return [];
  const parsed = parseKeysText(text);
  if (parsed.ok && text.trimStart().startsWith('[')) return parsed.entries;
  ctx.addIssue({ code: 'custom', message: 'must be a JSON array of key entries' });
  return z.NEVER;
});

const perMinuteLimit = z
  .string()
  .regex(/^\d{1,9}$/, 'must be a whole number (0: no limit)')
  .transform(Number);

export const securitySettings = {
  auth: setting({
    env: 'SOTTO_AUTH',
    // Unset: follows the keys, so that the app works out of the box and is closed once keys exist.
    default: '',
    shownDefault: '`off`, or `required` once keys are configured',
    schema: z.enum(['', ...AUTH_MODES], `must be ${AUTH_MODES.join(', ')}`),
    doc: '`required`: every `/v1/*`, `POST /translate` and `POST /detect` request needs an API key; `optional`: a key is checked when given, requests without one are anonymous; `off`: no keys',
  }),
  keysFile: setting({
    env: 'SOTTO_API_KEYS_FILE',
    default: '',
    schema: z.string().transform((file) => (file === '' ? undefined : path.resolve(file))),
    doc: 'keys file: one JSON entry per line (or a JSON array), `{"id", "hash", "rateLimitPerMinute"?, "charsPerMinute"?, "quotaSegmentsPerDay"?, "revoked"?: true}`; hashes only, never keys',
    echoValue: false,
  }),
  keys: setting({ env: 'SOTTO_API_KEYS', default: '', schema: keyEntriesJson, doc: 'more entries, as a JSON array', secret: true }),
  adminKeyHash: setting({
    env: 'SOTTO_ADMIN_KEY_HASH',
    default: '',
    shownDefault: 'none (then `/admin/*` answers 404)',
    schema: optionalKeyHash,
    doc: 'hash of the admin key for `/admin/*` (`npm run keys:create -- --admin`); a separate key, never an API key',
    secret: true,
  }),
  metricsTokenHash: setting({
    env: 'SOTTO_METRICS_TOKEN_HASH',
    default: '',
    schema: optionalKeyHash,
    doc: 'hash of the token Prometheus scrapes `GET /metrics` with (`npm run keys:create -- --metrics`); once set, `/metrics` needs it or the admin key whatever `SOTTO_AUTH` says; under `SOTTO_AUTH=required` `/metrics` is closed without one of the two',
    secret: true,
  }),
  corsOrigins: setting({
    env: 'SOTTO_CORS_ORIGINS',
    default: '',
    shownDefault: 'none (same-origin only)',
    schema: z.string().transform(commaList).pipe(z.array(origin)),
    doc: 'comma-separated origins (`https://app.example`) allowed to call `/v1/*` and the LibreTranslate routes from a browser',
    echoValue: false,
  }),
  anonRatePerMinute: setting({
    env: 'SOTTO_ANON_RATE_PER_MINUTE',
    default: '600',
    schema: perMinuteLimit,
    doc: 'requests per minute per client address without a key (`0`: no limit)',
  }),
  anonCharsPerMinute: setting({
    env: 'SOTTO_ANON_CHARS_PER_MINUTE',
    // A few pages of text a minute: far more than one speaker's transcripts, far less than one request of the largest size.
    default: '30000',
    schema: perMinuteLimit,
    doc: 'characters of text to translate per minute per client address without a key, a token bucket (`0`: no limit): past it 429 with `Retry-After`, and one request with more than that is refused with 413',
  }),
  trustedProxyHops: setting({
    env: 'SOTTO_TRUSTED_PROXIES',
    default: '0',
    schema: z
      .string()
      .regex(/^\d$/, 'must be the number of proxies in front of the server, 0 to 9')
      .transform(Number),
    doc: 'proxies in front of the server (an ingress, a load balancer) that append to `X-Forwarded-For`; the client address (rate limits, key-guessing brake, canary stickiness) is then the one the outermost of them saw',
  }),
};

export type ParsedSecuritySettings = SettingsResult<SecuritySettings>;

type ReadFile = (file: string) => string;

/** Reads the security variables and the keys file; `problems` has one readable line per mistake. Hashes are never echoed. */
export function parseSecuritySettings(env: Record<string, string | undefined>, readFile: ReadFile = (file) => readFileSync(file, 'utf8')): ParsedSecuritySettings {
  const reading = readSettings(securitySettings, env);
  const { keysFile, keys: envEntries, auth } = reading.values;
  const keys: ApiKeyEntry[] = [];

  const addEntries = (from: 'keysFile' | 'keys', raws: RawEntry[], source: ApiKeyEntry['source']) => {
    for (const raw of raws) {
      const parsed = entrySchema.safeParse(raw.value);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) reading.report(from, `${raw.where}: ${issue.path.join('.') || 'entry'}: ${issue.message}`);
        continue;
      }
      const { revoked, ...entry } = parsed.data;
      if (keys.some((k) => k.id === entry.id)) reading.report(from, `${raw.where}: id "${entry.id}" is used twice`);
      else keys.push({ ...entry, revoked: revoked === true, source });
    }
  };

  if (keysFile) {
    let text: string | undefined;
    try {
      text = readFile(keysFile);
    } catch (err) {
      reading.report('keysFile', `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, keysFile);
    }
    if (text !== undefined) {
      const parsed = parseKeysText(text);
      if (parsed.ok) addEntries('keysFile', parsed.entries, 'file');
      else reading.report('keysFile', parsed.problem);
    }
  }
  if (envEntries) addEntries('keys', envEntries, 'env');

  if (auth === 'required' && keys.length === 0) {
    reading.report('auth', `no API keys are configured; set ${securitySettings.keysFile.env} or ${securitySettings.keys.env}`);
  }

  return reading.result((values) => ({
    auth: values.auth || (keys.length > 0 ? 'required' : 'off'),
    keys,
    ...(values.keysFile ? { keysFile: values.keysFile } : {}),
    ...(values.adminKeyHash ? { adminKeyHash: values.adminKeyHash } : {}),
    ...(values.metricsTokenHash ? { metricsTokenHash: values.metricsTokenHash } : {}),
    corsOrigins: values.corsOrigins,
    anonRatePerMinute: values.anonRatePerMinute,
    anonCharsPerMinute: values.anonCharsPerMinute,
    trustedProxyHops: values.trustedProxyHops,
  }));
}
