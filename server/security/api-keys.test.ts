import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiKeyStore, createApiKey, presentedKey } from './api-keys.ts';
import { hashKey, parseKeyHash } from './key-hash.ts';
import type { ApiKeyEntry } from './settings.ts';
import { keys, sha256Hash } from '../../testing/security-fixtures.ts';

function entry(id: string, hash: string, extra: Partial<ApiKeyEntry> = {}): ApiKeyEntry {
  const parsed = parseKeyHash(hash);
  if (!parsed.ok) throw new Error(parsed.problem);
  return { id, hash: parsed.hash, revoked: false, source: 'env', ...extra };
}

describe('presentedKey', () => {
  const app = new Hono().get('/', (c) => c.json({ key: presentedKey(c) ?? null }));
  const keyFrom = async (headers: Record<string, string>) => ((await (await app.request('/', { headers })).json()) as { key: string | null }).key;

  it('reads Authorization: Bearer (any case) and X-API-Key', async () => {
    expect(await keyFrom({ Authorization: 'Bearer k1' })).toBe('k1');
    expect(await keyFrom({ Authorization: 'bearer   k1 ' })).toBe('k1');
    expect(await keyFrom({ 'X-API-Key': ' k2 ' })).toBe('k2');
    expect(await keyFrom({ Authorization: 'Bearer k1', 'X-API-Key': 'k2' })).toBe('k1');
  });

  it('finds none in other schemes or empty headers', async () => {
    expect(await keyFrom({})).toBeNull();
    expect(await keyFrom({ Authorization: 'Basic a2V5Og==' })).toBeNull();
    expect(await keyFrom({ Authorization: 'Bearer', 'X-API-Key': '' })).toBeNull();
  });
});

describe('ApiKeyStore', () => {
  it('verifies a created key against its scrypt hash, and only that one', async () => {
    const { key, hash } = await createApiKey('alice');
    expect(key).toMatch(/^sotto_alice\.[\w-]{43}$/);
    const store = new ApiKeyStore([entry('alice', hash), entry('bob', sha256Hash(keys.bob))]);
    expect(await store.verify(key)).toMatchObject({ ok: true, entry: { id: 'alice' } });
    expect(await store.verify(keys.bob)).toMatchObject({ ok: true, entry: { id: 'bob' } });
    expect(await store.verify(`${key}x`)).toEqual({ ok: false, reason: 'unknown' });
    expect(await store.verify('sotto_nobody.x')).toEqual({ ok: false, reason: 'unknown' });
    expect(await store.verify('x'.repeat(10_000))).toEqual({ ok: false, reason: 'unknown' });
  });

  it('remembers a verified key, so scrypt runs once per key', async () => {
    const key = 'sotto_alice.secret';
    const store = new ApiKeyStore([entry('alice', await hashKey(key, { N: 2 ** 15, r: 8, p: 1 }))]);
    expect(store.cached(key)).toBeUndefined();
    const first = performance.now();
    await store.verify(key);
    const scryptMs = performance.now() - first;
    const second = performance.now();
    expect(store.cached(key)).toMatchObject({ ok: true });
    expect(await store.verify(key)).toMatchObject({ ok: true });
    expect(performance.now() - second).toBeLessThan(scryptMs / 4);
  });

  it('does not run scrypt for keys that do not name a scrypt entry', async () => {
    const store = new ApiKeyStore([entry('alice', await hashKey('sotto_alice.s'))]);
    const started = performance.now();
    for (let i = 0; i < 20; i++) await store.verify(`guess-${i}`);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('refuses revoked keys, also once cached', async () => {
    const store = new ApiKeyStore([entry('bob', sha256Hash(keys.bob)), entry('carol', sha256Hash(keys.carol), { revoked: true })]);
    expect(await store.verify(keys.carol)).toEqual({ ok: false, reason: 'revoked' });
    expect(await store.verify(keys.bob)).toMatchObject({ ok: true });
    expect(await store.revoke('bob')).toEqual({ persisted: false });
    expect(store.cached(keys.bob)).toBeUndefined();
    expect(await store.verify(keys.bob)).toEqual({ ok: false, reason: 'revoked' });
    expect(await store.revoke('nobody')).toBeUndefined();
  });
});

describe('revoking a file-backed key', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sotto-keys-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('marks it revoked in the keys file', async () => {
    const file = path.join(dir, 'keys');
    const lines = `# keys\n${JSON.stringify({ id: 'bob', hash: sha256Hash(keys.bob) })}\n`;
    await writeFile(file, lines, { mode: 0o600 });
    const store = new ApiKeyStore([entry('bob', sha256Hash(keys.bob), { source: 'file' })], file);
    expect(await store.revoke('bob')).toEqual({ persisted: true });
    expect(await readFile(file, 'utf8')).toBe(`# keys\n${JSON.stringify({ id: 'bob', hash: sha256Hash(keys.bob), revoked: true })}\n`);
  });

  it('still revokes in memory when the file cannot be updated', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    const notADirectory = path.join(dir, 'file');
    await writeFile(notADirectory, '');
    const store = new ApiKeyStore([entry('bob', sha256Hash(keys.bob), { source: 'file' })], path.join(notADirectory, 'keys'));
    expect(await store.revoke('bob')).toEqual({ persisted: false });
    expect(await store.verify(keys.bob)).toEqual({ ok: false, reason: 'revoked' });
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
  });
});
