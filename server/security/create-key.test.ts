import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ApiKeyStore } from './api-keys.ts';
import { parseKeyHash, verifyKey } from './key-hash.ts';
import { parseSecuritySettings } from './settings.ts';

const script = fileURLToPath(new URL('./create-key.ts', import.meta.url));

function createKey(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { encoding: 'utf8' });
  const lines = result.stdout.split('\n');
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, lines };
}

describe('npm run keys:create', () => {
  it('prints a key once and an entry whose hash verifies it', async () => {
    const { status, stdout, lines } = createKey('--id', 'alice', '--rate', '120', '--chars', '50000', '--quota', '100000');
    expect(status).toBe(0);
    const key = lines.find((line) => line.startsWith('sotto_'))!;
    const entryLine = lines.find((line) => line.startsWith('{'))!;
    expect(key).toMatch(/^sotto_alice\.[\w-]{43}$/);
    expect(stdout.split(key)).toHaveLength(2);
    const entry = JSON.parse(entryLine) as Record<string, unknown>;
    expect(entry).toEqual({ id: 'alice', hash: expect.stringMatching(/^scrypt\$/), rateLimitPerMinute: 120, charsPerMinute: 50000, quotaSegmentsPerDay: 100000 });
    expect(entryLine).not.toContain(key.split('.')[1]);

    const settings = parseSecuritySettings({ SOTTO_API_KEYS_FILE: '/keys' }, () => `${entryLine}\n`);
    if (!settings.ok) throw new Error(settings.problems.join('\n'));
    expect(await new ApiKeyStore(settings.settings.keys).verify(key)).toMatchObject({ ok: true, entry: { id: 'alice', rateLimitPerMinute: 120 } });
  });

  it('makes the admin key and the value of SOTTO_ADMIN_KEY_HASH', async () => {
    const { status, lines } = createKey('--admin');
    expect(status).toBe(0);
    const key = lines.find((line) => line.startsWith('sotto-admin.'))!;
    const hash = parseKeyHash(lines.find((line) => line.startsWith('scrypt$'))!);
    expect(hash.ok && (await verifyKey(key, hash.hash))).toBe(true);
  });

  it('makes the metrics token and the value of SOTTO_METRICS_TOKEN_HASH', async () => {
    const { status, stdout, lines } = createKey('--metrics');
    expect(status).toBe(0);
    expect(stdout).toContain('Set SOTTO_METRICS_TOKEN_HASH to:');
    const key = lines.find((line) => line.startsWith('sotto-metrics.'))!;
    const hash = parseKeyHash(lines.find((line) => line.startsWith('scrypt$'))!);
    expect(hash.ok && (await verifyKey(key, hash.hash))).toBe(true);
  });

  it.each([
    [['--metrics', '--admin'], /takes no other options/],
    [[], /--id is required/],
    [['--id', 'a.b'], /--id must be 1 to 64 letters/],
    [['--id', 'a', '--rate', '0'], /--rate must be a whole number of at least 1/],
    [['--id', 'a', '--burst', '5'], /Unknown option '--burst'/],
    [['--admin', '--id', 'a'], /--admin takes no other options/],
  ])('refuses %j with usage and exit code 2, printing no key', (args, message) => {
    const { status, stdout, stderr } = createKey(...args);
    expect(status).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).toContain('Usage: npm run keys:create');
    expect(stdout).toBe('');
  });
});
