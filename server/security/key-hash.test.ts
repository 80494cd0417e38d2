import * as crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { generateKey, hashKey, parseKeyHash, VerifiedKeyCache, verifyKey, type KeyHash } from './key-hash.ts';
import { sha256Hash } from '../../testing/security-fixtures.ts';

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const fast = { N: 1024, r: 8, p: 1 };

function parsed(text: string): KeyHash {
  const result = parseKeyHash(text);
  if (!result.ok) throw new Error(result.problem);
  return result.hash;
}

describe('key hashes', () => {
  it('round-trips a scrypt hash in the stored format', async () => {
    const stored = await hashKey('sotto_alice.secret', fast);
    expect(stored).toMatch(/^scrypt\$1024\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifyKey('sotto_alice.secret', parsed(stored))).toBe(true);
    expect(await verifyKey('sotto_alice.secreT', parsed(stored))).toBe(false);
  });

  it('salts every scrypt hash', async () => {
    expect(await hashKey('same', fast)).not.toBe(await hashKey('same', fast));
  });

  it('verifies sha256 hashes, in either hex case', async () => {
    expect(await verifyKey('k', parsed(sha256Hash('k')))).toBe(true);
    expect(await verifyKey('k', parsed(sha256Hash('k').toUpperCase().replace('SHA256', 'sha256')))).toBe(true);
    expect(await verifyKey('other', parsed(sha256Hash('k')))).toBe(false);
  });

  it('compares with crypto.timingSafeEqual', async () => {
    const compare = vi.mocked(crypto.timingSafeEqual);
    compare.mockClear();
    await verifyKey('k', parsed(sha256Hash('k')));
    await verifyKey('k', parsed(await hashKey('k', fast)));
    expect(compare).toHaveBeenCalledTimes(2);
  });

  it.each([
    ['', /must be "scrypt/],
    ['md5$abc', /must be "scrypt/],
    ['sha256$abc', /64 hex digits/],
    [`sha256$${'g'.repeat(64)}`, /64 hex digits/],
    ['scrypt$1024$8$1$c2FsdHNhbHQ', /six/],
    ['scrypt$1000$8$1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA', /power of two/],
    ['scrypt$1024$0$1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA', /r must be/],
    ['scrypt$1048576$8$1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA', /256 MiB/],
    ['scrypt$1024$8$1$c2FsdHNhbHQ$not base64!', /base64url/],
    ['scrypt$1024$8$1$c2Fs$aGFzaGhhc2hoYXNoaGFzaA', /salt must be at least 8 bytes/],
    ['scrypt$1024$8$1$c2FsdHNhbHQ$aGFzaA', /16 to 64 bytes/],
  ])('rejects %j', (text, problem) => {
    const result = parseKeyHash(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toMatch(problem);
  });

  it('generates long random keys with a prefix', () => {
    const key = generateKey('sotto_x.');
    expect(key).toMatch(/^sotto_x\.[\w-]{43}$/);
    expect(generateKey('sotto_x.')).not.toBe(key);
  });
});

describe('VerifiedKeyCache', () => {
  it('keys entries by an HMAC, never the key itself', () => {
    const cache = new VerifiedKeyCache<string>();
    const tag = cache.tag('secret-key');
    expect(tag).not.toContain('secret');
    expect(tag).not.toBe(new VerifiedKeyCache<string>().tag('secret-key'));
    cache.set(tag, 'alice');
    expect(cache.get(cache.tag('secret-key'))).toBe('alice');
    expect(cache.get(cache.tag('other'))).toBeUndefined();
  });

  it('forgets the least recently used entry past its capacity, and entries by value', () => {
    const cache = new VerifiedKeyCache<string>(2);
    cache.set('a', 'A');
    cache.set('b', 'B');
    cache.get('a');
    cache.set('c', 'C');
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual(['A', undefined, 'C']);
    cache.deleteWhere((value) => value === 'A');
    expect(cache.get('a')).toBeUndefined();
  });
});
