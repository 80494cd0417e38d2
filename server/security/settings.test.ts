import { describe, expect, it } from 'vitest';
import { parseSecuritySettings, type ParsedSecuritySettings } from './settings.ts';
import { keyedEnv, sha256Hash } from '../../testing/security-fixtures.ts';

const noFiles = (file: string): string => {
  throw Object.assign(new Error(`ENOENT: no such file or directory, open '${file}'`), { code: 'ENOENT' });
};

function settings(result: ParsedSecuritySettings) {
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.settings;
}

function problems(env: Record<string, string>, readFile = noFiles): string {
  const result = parseSecuritySettings(env, readFile);
  expect(result.ok).toBe(false);
  return result.ok ? '' : result.problems.join('\n');
}

describe('parseSecuritySettings', () => {
  it('turns auth off when no keys are configured, so the app works out of the box', () => {
    expect(settings(parseSecuritySettings({}, noFiles))).toEqual({ auth: 'off', keys: [], corsOrigins: [], anonRatePerMinute: 600, anonCharsPerMinute: 30_000, trustedProxyHops: 0 });
  });

  it('requires keys once some are configured, and reads limits, revocations and the admin hash', () => {
    const parsed = settings(parseSecuritySettings(keyedEnv, noFiles));
    expect(parsed.auth).toBe('required');
    expect(parsed.keys.map(({ id, rateLimitPerMinute, quotaSegmentsPerDay, revoked, source }) => ({ id, rateLimitPerMinute, quotaSegmentsPerDay, revoked, source }))).toEqual([
      { id: 'alice', rateLimitPerMinute: 2, quotaSegmentsPerDay: undefined, revoked: false, source: 'env' },
      { id: 'bob', rateLimitPerMinute: undefined, quotaSegmentsPerDay: 5, revoked: false, source: 'env' },
      { id: 'carol', rateLimitPerMinute: undefined, quotaSegmentsPerDay: undefined, revoked: true, source: 'env' },
      { id: 'dave', rateLimitPerMinute: undefined, quotaSegmentsPerDay: undefined, revoked: false, source: 'env' },
    ]);
    expect(parsed.adminKeyHash?.kind).toBe('sha256');
  });

  it('reads the keys file (lines) next to the environment, remembering the file', () => {
    const file = `${JSON.stringify({ id: 'erin', hash: sha256Hash('e') })}\n`;
    const parsed = settings(parseSecuritySettings({ ...keyedEnv, SOTTO_API_KEYS_FILE: '/etc/sotto/keys', SOTTO_AUTH: 'optional' }, () => file));
    expect(parsed.auth).toBe('optional');
    expect(parsed.keysFile).toBe('/etc/sotto/keys');
    expect(parsed.keys.map((k) => `${k.id}:${k.source}`)).toEqual(['erin:file', 'alice:env', 'bob:env', 'carol:env', 'dave:env']);
  });

  it('reads CORS origins, the anonymous rate and the trusted proxies', () => {
    const env = { SOTTO_CORS_ORIGINS: 'https://a.example, http://localhost:5173/', SOTTO_ANON_RATE_PER_MINUTE: '0', SOTTO_TRUSTED_PROXIES: '2' };
    const parsed = settings(parseSecuritySettings(env, noFiles));
    expect(parsed.corsOrigins).toEqual(['https://a.example', 'http://localhost:5173']);
    expect(parsed.anonRatePerMinute).toBe(0);
    expect(parsed.trustedProxyHops).toBe(2);
  });

  it('reads the anonymous character budget and a key’s characters a minute', () => {
    const keysJson = JSON.stringify([{ id: 'erin', hash: sha256Hash('e'), charsPerMinute: 5000 }]);
    const parsed = settings(parseSecuritySettings({ SOTTO_ANON_CHARS_PER_MINUTE: '0', SOTTO_API_KEYS: keysJson }, noFiles));
    expect(parsed.anonCharsPerMinute).toBe(0);
    expect(parsed.keys[0]!.charsPerMinute).toBe(5000);
    expect(problems({ SOTTO_ANON_CHARS_PER_MINUTE: 'many' })).toContain('SOTTO_ANON_CHARS_PER_MINUTE="many": must be a whole number (0: no limit)');
  });

  it.each([
    [{ SOTTO_AUTH: 'sometimes' }, 'SOTTO_AUTH="sometimes": must be required, optional, off'],
    [{ SOTTO_AUTH: 'required' }, 'SOTTO_AUTH="required": no API keys are configured; set SOTTO_API_KEYS_FILE or SOTTO_API_KEYS'],
    [{ SOTTO_API_KEYS: '{"id":"a"}' }, 'SOTTO_API_KEYS: must be a JSON array of key entries'],
    [{ SOTTO_API_KEYS: '[{"id":"a.b","hash":"sha256$00"}]' }, 'entry 1: id: must be 1 to 64 letters'],
    [{ SOTTO_API_KEYS: '[{"id":"a","hash":"sha256$00"}]' }, 'entry 1: hash: sha256 hashes are "sha256$" and 64 hex digits'],
    [{ SOTTO_API_KEYS: '[{"id":"a"}]' }, 'entry 1: hash:'],
    [{ SOTTO_API_KEYS: `[{"id":"a","hash":"${sha256Hash('a')}","rateLimit":5}]` }, 'entry 1: entry: Unrecognized key'],
    [{ SOTTO_API_KEYS: `[{"id":"a","hash":"${sha256Hash('a')}","rateLimitPerMinute":0}]` }, 'entry 1: rateLimitPerMinute: must be at least 1'],
    [{ SOTTO_API_KEYS: `[{"id":"a","hash":"${sha256Hash('a')}","revoked":false}]` }, 'entry 1: revoked: must be true when present'],
    [{ SOTTO_API_KEYS: `[{"id":"a","hash":"${sha256Hash('a')}"},{"id":"a","hash":"${sha256Hash('b')}"}]` }, 'entry 2: id "a" is used twice'],
    [{ SOTTO_API_KEYS_FILE: '/nope/keys' }, 'SOTTO_API_KEYS_FILE="/nope/keys": cannot be read (ENOENT)'],
    [{ SOTTO_ADMIN_KEY_HASH: 'plain-text-key' }, 'SOTTO_ADMIN_KEY_HASH: must be "scrypt$N$r$p$salt$hash" or "sha256$<64 hex digits>"'],
    [{ SOTTO_CORS_ORIGINS: '*' }, 'SOTTO_CORS_ORIGINS: "*" is not an origin'],
    [{ SOTTO_CORS_ORIGINS: 'https://a.example/app' }, '"https://a.example/app" is not an origin'],
    [{ SOTTO_ANON_RATE_PER_MINUTE: 'lots' }, 'SOTTO_ANON_RATE_PER_MINUTE="lots": must be a whole number (0: no limit)'],
    [{ SOTTO_TRUSTED_PROXIES: 'true' }, 'SOTTO_TRUSTED_PROXIES="true": must be the number of proxies in front of the server, 0 to 9'],
  ])('rejects %o readably', (env, message) => {
    expect(problems(env)).toContain(message);
  });

  it('says which line of the keys file is wrong', () => {
    const file = `# keys\n${JSON.stringify({ id: 'a', hash: sha256Hash('a') })}\n{"id":"b","hash":"sha1$00"}\n`;
    expect(problems({ SOTTO_API_KEYS_FILE: '/k' }, () => file)).toContain('SOTTO_API_KEYS_FILE: line 3: hash: must be');
  });

  it('never echoes a hash in its messages', () => {
    const hash = 'scrypt$1024$8$1$c2FsdHNhbHQ$c2VjcmV0LWhhc2g';
    expect(problems({ SOTTO_ADMIN_KEY_HASH: hash, SOTTO_API_KEYS: `[{"id":"a","hash":"${hash}"}]` })).not.toContain('c2VjcmV0LWhhc2g');
  });
});
