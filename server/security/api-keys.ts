import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import type { Context } from 'hono';
import { generateKey, hashKey, VerifiedKeyCache, verifyKey } from './key-hash.ts';
import { revokeInKeysText } from './keys-file.ts';
import type { ApiKeyEntry } from './settings.ts';

/** API keys name their entry, so a key costs at most one scrypt: `sotto_<id>.<secret>`. */
const apiKeyPrefix = 'sotto_';
const maxKeyLength = 512;

export type Verification = { ok: true; entry: ApiKeyEntry } | { ok: false; reason: 'unknown' | 'revoked' };

/** A new API key for `id` and the hash to store; the key itself is never stored. */
export async function createApiKey(id: string): Promise<{ key: string; hash: string }> {
  const key = generateKey(`${apiKeyPrefix}${id}.`);
  return { key, hash: await hashKey(key) };
}

/** The key a request presents in `Authorization: Bearer` or `X-API-Key`; undefined when it presents none. */
export function presentedKey(c: Context): string | undefined {
  const bearer = /^Bearer[ ]+(\S+)\s*$/i.exec(c.req.header('Authorization') ?? '');
  return bearer?.[1] ?? (c.req.header('X-API-Key')?.trim() || undefined);
}

/**
 * The configured keys. Verification is constant-time; a key that verified once is remembered (by HMAC, never in
 * clear), so only a key's first request pays for scrypt. scrypt runs only for the entry a key names; sha256
 * entries are compared with every key.
 */
export class ApiKeyStore {
  readonly #entries: Map<string, ApiKeyEntry>;
  readonly #verified = new VerifiedKeyCache<string>();

  constructor(
    entries: readonly ApiKeyEntry[],
    private readonly keysFile?: string,
  ) {
    this.#entries = new Map(entries.map((entry) => [entry.id, { ...entry }]));
  }

  list(): ApiKeyEntry[] {
    return [...this.#entries.values()];
  }

  get(id: string): ApiKeyEntry | undefined {
    return this.#entries.get(id);
  }

  #result(entry: ApiKeyEntry): Verification {
    return entry.revoked ? { ok: false, reason: 'revoked' } : { ok: true, entry };
  }

  /** The answer for a key that verified before, without hashing it; undefined when it has not. */
  cached(key: string): Verification | undefined {
    const id = this.#verified.get(this.#verified.tag(key));
    const entry = id === undefined ? undefined : this.#entries.get(id);
    return entry && this.#result(entry);
  }

  /** The entry a `sotto_<id>.<secret>` key names, if there is one. */
  #named(key: string): ApiKeyEntry | undefined {
    return key.startsWith(apiKeyPrefix) ? this.#entries.get(key.slice(apiKeyPrefix.length).split('.')[0]!) : undefined;
  }

  /** What the key-guessing brake counts a failed check of `key` against: the entry it names, else all unnamed keys. */
  subjectOf(key: string): string {
    const named = this.#named(key);
    return named ? `key:${named.id}` : 'unnamed';
  }

  async verify(key: string): Promise<Verification> {
    const known = this.cached(key);
    if (known) return known;
    if (key.length > maxKeyLength) return { ok: false, reason: 'unknown' };
    const named = this.#named(key);
    const candidates = this.list().filter((entry) => entry === named || entry.hash.kind === 'sha256');
    for (const entry of candidates) {
      if (!(await verifyKey(key, entry.hash))) continue;
      this.#verified.set(this.#verified.tag(key), entry.id);
      return this.#result(entry);
    }
    return { ok: false, reason: 'unknown' };
  }

  /**
   * Refuses `id` from now on. A file-backed entry is also marked revoked in the keys file (rewritten through a
   * temporary file and a rename); `persisted` is false when the key came from the environment or the file could
   * not be written (a read-only mount, say).
   */
  async revoke(id: string): Promise<{ persisted: boolean } | undefined> {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    entry.revoked = true;
    this.#verified.deleteWhere((cachedId) => cachedId === id);
    if (entry.source !== 'file' || !this.keysFile) return { persisted: false };
    const file = this.keysFile;
    const temporary = `${file}.${process.pid}.tmp`;
    try {
      await writeFile(temporary, revokeInKeysText(await readFile(file, 'utf8'), id), { mode: (await stat(file)).mode & 0o777 });
      await rename(temporary, file);
      return { persisted: true };
    } catch (err) {
      await rm(temporary, { force: true }).catch(() => undefined);
      console.error(`Key ${id} is revoked until the server restarts; the keys file could not be updated:`, err);
      return { persisted: false };
    }
  }
}
