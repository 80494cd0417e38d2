import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
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

export const securityEnvNames = {
  auth: 'SOTTO_AUTH',
  keys: 'SOTTO_API_KEYS',
  keysFile: 'SOTTO_API_KEYS_FILE',
  adminKeyHash: 'SOTTO_ADMIN_KEY_HASH',
  metricsTokenHash: 'SOTTO_METRICS_TOKEN_HASH',
  corsOrigins: 'SOTTO_CORS_ORIGINS',
  anonRatePerMinute: 'SOTTO_ANON_RATE_PER_MINUTE',
  anonCharsPerMinute: 'SOTTO_ANON_CHARS_PER_MINUTE',
  trustedProxies: 'SOTTO_TRUSTED_PROXIES',
} as const;

const defaultAnonRatePerMinute = 600;
// A few pages of text a minute: far more than one speaker's transcripts, far less than one request of the largest size.
const defaultAnonCharsPerMinute = 30_000;

/** Key ids show in URLs, logs and keys (`sotto_<id>.<secret>`), hence no dots. */
export const keyIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

const keyHash = z.string().transform((text, ctx) => {
  const parsed = parseKeyHash(text);
  if (parsed.ok) return parsed.hash;
  ctx.addIssue({ code: 'custom', message: parsed.problem });
  return z.NEVER;
});

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

export type ParsedSecuritySettings = { ok: true; settings: SecuritySettings } | { ok: false; problems: string[] };

type ReadFile = (file: string) => string;

/** Reads the security variables and the keys file; `problems` has one readable line per mistake. Hashes are never echoed. */
export function parseSecuritySettings(env: Record<string, string | undefined>, readFile: ReadFile = (file) => readFileSync(file, 'utf8')): ParsedSecuritySettings {
  const problems: string[] = [];
  const report = (name: string, message: string) => problems.push(`  ${name}: ${message}`);
  const keys: ApiKeyEntry[] = [];

  const addEntries = (name: string, raws: RawEntry[], source: ApiKeyEntry['source']) => {
    for (const raw of raws) {
      const parsed = entrySchema.safeParse(raw.value);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) report(name, `${raw.where}: ${issue.path.join('.') || 'entry'}: ${issue.message}`);
        continue;
      }
      const { revoked, ...entry } = parsed.data;
      if (keys.some((k) => k.id === entry.id)) report(name, `${raw.where}: id "${entry.id}" is used twice`);
      else keys.push({ ...entry, revoked: revoked === true, source });
    }
  };

  const keysFile = env[securityEnvNames.keysFile] ? path.resolve(env[securityEnvNames.keysFile]!) : undefined;
  if (keysFile) {
    let text: string | undefined;
    try {
      text = readFile(keysFile);
    } catch (err) {
      report(`${securityEnvNames.keysFile}=${JSON.stringify(keysFile)}`, `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (text !== undefined) {
      const parsed = parseKeysText(text);
      if (parsed.ok) addEntries(securityEnvNames.keysFile, parsed.entries, 'file');
      else report(securityEnvNames.keysFile, parsed.problem);
    }
  }

  const keysJson = env[securityEnvNames.keys];
  if (keysJson) {
    const parsed = parseKeysText(keysJson);
    if (parsed.ok && keysJson.trimStart().startsWith('[')) addEntries(securityEnvNames.keys, parsed.entries, 'env');
    else report(securityEnvNames.keys, 'must be a JSON array of key entries');
  }

  const operatorHash = (name: string): KeyHash | undefined => {
    if (!env[name]) return undefined;
    const parsed = keyHash.safeParse(env[name]);
    if (parsed.success) return parsed.data;
    report(name, parsed.error.issues[0]!.message);
    return undefined;
  };
  const adminKeyHash = operatorHash(securityEnvNames.adminKeyHash);
  const metricsTokenHash = operatorHash(securityEnvNames.metricsTokenHash);

  const authText = env[securityEnvNames.auth] || (keys.length > 0 ? 'required' : 'off');
  const auth = z.enum(AUTH_MODES).safeParse(authText);
  if (!auth.success) report(`${securityEnvNames.auth}=${JSON.stringify(authText)}`, `must be ${AUTH_MODES.join(', ')}`);
  else if (auth.data === 'required' && keys.length === 0) {
    report(`${securityEnvNames.auth}="required"`, `no API keys are configured; set ${securityEnvNames.keysFile} or ${securityEnvNames.keys}`);
  }

  const originsText = env[securityEnvNames.corsOrigins] ?? '';
  const origins = z.array(origin).safeParse(originsText.split(',').map((o) => o.trim()).filter((o) => o !== ''));
  if (!origins.success) for (const issue of origins.error.issues) report(securityEnvNames.corsOrigins, issue.message);

  const limit = (name: string, fallback: number): number | undefined => {
    const text = env[name] || String(fallback);
    if (/^\d{1,9}$/.test(text)) return Number(text);
    report(`${name}=${JSON.stringify(text)}`, 'must be a whole number (0: no limit)');
    return undefined;
  };
  const rate = limit(securityEnvNames.anonRatePerMinute, defaultAnonRatePerMinute);
  const chars = limit(securityEnvNames.anonCharsPerMinute, defaultAnonCharsPerMinute);

  const hopsText = env[securityEnvNames.trustedProxies] || '0';
  const hops = /^\d$/.test(hopsText) ? Number(hopsText) : undefined;
  if (hops === undefined) report(`${securityEnvNames.trustedProxies}=${JSON.stringify(hopsText)}`, 'must be the number of proxies in front of the server, 0 to 9');

  if (problems.length > 0 || !auth.success || !origins.success || rate === undefined || chars === undefined || hops === undefined) return { ok: false, problems };
  return {
    ok: true,
    settings: {
      auth: auth.data,
      keys,
      ...(keysFile ? { keysFile } : {}),
      ...(adminKeyHash ? { adminKeyHash } : {}),
      ...(metricsTokenHash ? { metricsTokenHash } : {}),
      corsOrigins: origins.data,
      anonRatePerMinute: rate,
      anonCharsPerMinute: chars,
      trustedProxyHops: hops,
    },
  };
}
