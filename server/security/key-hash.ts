import { createHash, createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** A stored key hash: `scrypt$N$r$p$salt$hash` (salt and hash base64url) or `sha256$<64 hex digits>`. */
export type KeyHash =
  | { kind: 'scrypt'; N: number; r: number; p: number; salt: Buffer; hash: Buffer }
  | { kind: 'sha256'; hash: Buffer };

const keyHashFormats = '"scrypt$N$r$p$salt$hash" or "sha256$<64 hex digits>"';

// 32 MiB and about 0.1 s per hash: the cache of verified keys keeps that off the request path.
const defaultCost = { N: 2 ** 15, r: 8, p: 1 } as const;
const maxScryptMemory = 256 * 2 ** 20;
const base64url = /^[A-Za-z0-9_-]+$/;

export type ParsedKeyHash = { ok: true; hash: KeyHash } | { ok: false; problem: string };

export function parseKeyHash(text: string): ParsedKeyHash {
  const fail = (problem: string): ParsedKeyHash => ({ ok: false, problem });
  const parts = text.split('$');
  if (parts[0] === 'sha256') {
    if (parts.length !== 2 || !/^[0-9a-f]{64}$/i.test(parts[1]!)) return fail('sha256 hashes are "sha256$" and 64 hex digits');
    return { ok: true, hash: { kind: 'sha256', hash: Buffer.from(parts[1]!, 'hex') } };
  }
  if (parts[0] !== 'scrypt') return fail(`must be ${keyHashFormats}`);
  if (parts.length !== 6) return fail('scrypt hashes have six "$"-separated parts: scrypt$N$r$p$salt$hash');
  const [N, r, p] = parts.slice(1, 4).map((part) => (/^\d{1,8}$/.test(part) ? Number(part) : NaN)) as [number, number, number];
  if (!(N >= 2 && (N & (N - 1)) === 0)) return fail('scrypt N must be a power of two');
  if (!(r >= 1 && p >= 1 && p <= 16)) return fail('scrypt r must be at least 1 and p between 1 and 16');
  if (128 * N * r > maxScryptMemory) return fail('scrypt 128·N·r must stay within 256 MiB');
  const [salt, hash] = parts.slice(4) as [string, string];
  if (!base64url.test(salt) || !base64url.test(hash)) return fail('scrypt salt and hash must be base64url');
  const saltBytes = Buffer.from(salt, 'base64url');
  const hashBytes = Buffer.from(hash, 'base64url');
  if (saltBytes.length < 8) return fail('scrypt salt must be at least 8 bytes');
  if (hashBytes.length < 16 || hashBytes.length > 64) return fail('scrypt hash must be 16 to 64 bytes');
  return { ok: true, hash: { kind: 'scrypt', N, r, p, salt: saltBytes, hash: hashBytes } };
}

function deriveScrypt(key: string, hash: Extract<KeyHash, { kind: 'scrypt' }>): Promise<Buffer> {
  const { N, r, p, salt } = hash;
  return new Promise((resolve, reject) => {
    scrypt(key, salt, hash.hash.length, { N, r, p, maxmem: 2 * maxScryptMemory }, (err, derived) =>
      err ? reject(err) : resolve(derived),
    );
  });
}

function sha256(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** Whether `key` hashes to `stored`, compared in constant time. */
export async function verifyKey(key: string, stored: KeyHash): Promise<boolean> {
  const derived = stored.kind === 'scrypt' ? await deriveScrypt(key, stored) : sha256(key);
  return timingSafeEqual(derived, stored.hash);
}

/** The scrypt hash of `key` in the stored format. */
export async function hashKey(key: string, cost: { N: number; r: number; p: number } = defaultCost): Promise<string> {
  const salt = randomBytes(16);
  const derived = await deriveScrypt(key, { kind: 'scrypt', ...cost, salt, hash: Buffer.alloc(32) });
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), derived.toString('base64url')].join('$');
}

/** A new random key (256 bits) that starts with `prefix`. */
export function generateKey(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/**
 * Successful verifications, keyed by an HMAC of the key under a per-process secret, so a known key skips scrypt
 * and the cache holds nothing that verifies outside this process. Least recently used entries go first.
 */
export class VerifiedKeyCache<T> {
  readonly #secret = randomBytes(32);
  readonly #entries = new Map<string, T>();

  constructor(private readonly capacity = 1024) {}

  tag(key: string): string {
    return createHmac('sha256', this.#secret).update(key, 'utf8').digest('base64url');
  }

  get(tag: string): T | undefined {
    const value = this.#entries.get(tag);
    if (value === undefined) return undefined;
    this.#entries.delete(tag);
    this.#entries.set(tag, value);
    return value;
  }

  set(tag: string, value: T): void {
    this.#entries.delete(tag);
    this.#entries.set(tag, value);
    if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value!);
  }

  deleteWhere(matches: (value: T) => boolean): void {
    for (const [tag, value] of this.#entries) if (matches(value)) this.#entries.delete(tag);
  }
}
