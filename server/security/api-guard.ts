import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { ErrorResponder } from '../v1/error-responses.ts';
import { ApiKeyStore, presentedKey, type Verification } from './api-keys.ts';
import { clientAddressFrom } from './client-address.ts';
import { RateLimiter, setRateLimitHeaders, tooManyRequests, UsageMeter, type Take } from './rate-limit.ts';
import type { ApiKeyEntry, SecuritySettings } from './settings.ts';

interface SpendRefusal {
  /** 429 when waiting helps (Retry-After), 413 when the request is larger than the budget could ever allow. */
  status: 413 | 429;
  retryAfterSeconds?: number;
  detail: string;
}

declare module 'hono' {
  interface ContextVariableMap {
    /** The API key a request authenticated with; undefined for anonymous requests. Metrics and cost attribute by it. */
    apiKeyId: string | undefined;
    /** Set by apiGuard: counts a request's texts against the caller's character rate and daily quota, or says why they do not fit. */
    textBudget: ((segments: readonly string[]) => SpendRefusal | undefined) | undefined;
    /** Set by apiGuard: the client's address, through the trusted proxies. */
    clientAddress: string | undefined;
    /** Set by apiGuard: the caller's characters a minute, where it has such a budget. */
    charsPerMinute: number | undefined;
  }
}

// Refused keys per client address, per key named, and minute: a brake on guessing and on CPU use (each
// check of a key that is not cached may run scrypt). Only failures count, so a valid key never uses it up.
const keyFailuresPerMinute = 30;

/** The per-server security state: keys, buckets, usage. One per app, so tests start clean. */
export interface Security {
  settings: SecuritySettings;
  keys: ApiKeyStore;
  usage: UsageMeter;
  keyRates: RateLimiter;
  anonymousRates: RateLimiter;
  /** Characters a minute, by key id or (anonymous) by address. */
  charRates: RateLimiter;
  /** Refused keys, by client address and the key they name (the key-guessing brake). */
  keyChecks: RateLimiter;
  now: () => number;
}

export function createSecurity(settings: SecuritySettings, now: () => number = Date.now): Security {
  return {
    settings,
    keys: new ApiKeyStore(settings.keys, settings.keysFile),
    usage: new UsageMeter(),
    keyRates: new RateLimiter(),
    anonymousRates: new RateLimiter(),
    charRates: new RateLimiter(),
    keyChecks: new RateLimiter(),
    now,
  };
}

/** The client's address: the peer's from @hono/node-server, or through SOTTO_TRUSTED_PROXIES proxies the one X-Forwarded-For names. */
function clientAddress(c: Context, security: Security): string {
  const peer = (c.env as Partial<HttpBindings> | undefined)?.incoming?.socket.remoteAddress ?? 'unknown';
  return clientAddressFrom(peer, c.req.header('X-Forwarded-For'), security.settings.trustedProxyHops);
}

/** Who a request comes from, for sticky canary routing: its API key after apiGuard, else its address. */
export function stickyClient(c: Context): string {
  const id = c.get('apiKeyId');
  return id === undefined ? `address:${c.get('clientAddress') ?? 'unknown'}` : `key:${id}`;
}

/**
 * Runs `check` (a key verification that missed the cache) unless this address has used up its failures
 * against `subject` (the key entry, or the operator realm, the key names): guesses at one key, or at keys
 * that name none, never brake the check of another key. A failed check counts; else a 429.
 */
export async function throttledKeyCheck<T extends { ok: boolean }>(
  security: Security,
  c: Context,
  respond: ErrorResponder,
  subject: string,
  check: () => Promise<T>,
): Promise<{ result: T } | { refused: Response }> {
  const bucket = `${clientAddress(c, security)} ${subject}`;
  const peek = security.keyChecks.peek(bucket, keyFailuresPerMinute, security.now());
  if (!peek.allowed) {
    const detail = `too many unrecognised keys from this address; at most ${keyFailuresPerMinute} a minute are checked`;
    return { refused: tooManyRequests(c, respond, peek.retryAfterSeconds, detail) };
  }
  const result = await check();
  if (!result.ok) security.keyChecks.take(bucket, keyFailuresPerMinute, security.now());
  return { result };
}

/** A 401 with the Bearer challenge (RFC 6750); `invalid` when a key was presented and refused. */
export function unauthorized(c: Context, respond: ErrorResponder, realm: string, detail: string, invalid: boolean): Response {
  c.header('WWW-Authenticate', `Bearer realm="${realm}"${invalid ? ', error="invalid_token"' : ''}`);
  return respond(c, 401, 'Unauthorized', detail);
}

const keyHint = 'send it as "Authorization: Bearer <key>" or "X-API-Key: <key>"';

export interface ApiGuardOptions {
  /** Where a route also takes the key from its body (LibreTranslate's `api_key`); read after the body limit. */
  bodyKey?: (c: Context) => Promise<string | undefined>;
  /** Open even when auth is required (LibreTranslate's GET /languages); limited per address. */
  keyless?: boolean;
  /** The status for a key presented and refused: 401 with a Bearer challenge, or LibreTranslate's 403. */
  refusedKeyStatus?: 401 | 403;
}

/**
 * Admits a request to the translation APIs by the SOTTO_AUTH policy. `off`: every request is anonymous.
 * `optional`: a presented key must be valid and gets its own limits; requests without one are anonymous.
 * `required`: a valid key or a 401. Anonymous requests share a bucket per client address.
 */
export function apiGuard(security: Security, respond: ErrorResponder, options: ApiGuardOptions = {}) {
  return createMiddleware(async function apiGuardMiddleware(c, next) {
    const { auth, anonRatePerMinute } = security.settings;
    const address = clientAddress(c, security);
    c.set('clientAddress', address);
    const keyed = auth !== 'off' && !options.keyless;
    const key = keyed ? (presentedKey(c) ?? (await options.bodyKey?.(c))) : undefined;
    let entry: ApiKeyEntry | undefined;
    if (key !== undefined) {
      let verification: Verification | undefined = security.keys.cached(key);
      if (!verification) {
        const checked = await throttledKeyCheck(security, c, respond, security.keys.subjectOf(key), () => security.keys.verify(key));
        if ('refused' in checked) return checked.refused;
        verification = checked.result;
      }
      if (!verification.ok) {
        const detail = verification.reason === 'revoked' ? 'This API key has been revoked.' : 'This API key is not valid.';
        if (options.refusedKeyStatus === 403) return respond(c, 403, 'Forbidden', detail);
        return unauthorized(c, respond, 'sotto', detail, true);
      }
      entry = verification.entry;
    } else if (keyed && auth === 'required') {
      return unauthorized(c, respond, 'sotto', `An API key is required: ${keyHint}.`, false);
    }

    const now = security.now();
    const whose = entry ? `for key ${entry.id}` : 'for requests without an API key from this address';
    let take: Take | undefined;
    if (entry?.rateLimitPerMinute) take = security.keyRates.take(entry.id, entry.rateLimitPerMinute, now);
    else if (!entry && anonRatePerMinute > 0) take = security.anonymousRates.take(address, anonRatePerMinute, now);
    if (take && !take.allowed) {
      setRateLimitHeaders(c, take);
      return tooManyRequests(c, respond, take.retryAfterSeconds, `rate limit of ${take.limit} requests/minute ${whose} exceeded`);
    }

    const id = entry?.id;
    const quota = entry?.quotaSegmentsPerDay;
    const charBudget = entry ? entry.charsPerMinute : security.settings.anonCharsPerMinute || undefined;
    const charClient = entry ? `key:${entry.id}` : `address:${address}`;
    c.set('apiKeyId', id);
    c.set('charsPerMinute', charBudget);
    c.set('textBudget', (segments) => {
      const chars = segments.reduce((total, segment) => total + segment.length, 0);
      if (charBudget !== undefined) {
        if (chars > charBudget) return { status: 413, detail: `${chars} characters are more than the ${charBudget} a minute allowed ${whose}; send fewer at a time` };
        const take = security.charRates.take(charClient, charBudget, security.now(), chars);
        if (!take.allowed) {
          const detail = `${chars} characters exceed the ${take.remaining} left of the ${charBudget} characters/minute ${whose}`;
          return { status: 429, retryAfterSeconds: take.retryAfterSeconds, detail };
        }
      }
      const spent = security.usage.spend(id, segments.length, quota, security.now());
      if (spent.allowed) return undefined;
      const detail =
        spent.left === 0
          ? `daily quota of ${quota} segments used for key ${id}; it resets at midnight UTC`
          : `${segments.length} segments exceed the ${spent.left} left of the daily quota of ${quota} segments for key ${id}`;
      return { status: 429, retryAfterSeconds: spent.retryAfterSeconds, detail };
    });
    security.usage.request(id, now);
    await next();
    if (take) setRateLimitHeaders(c, take);
  });
}

/**
 * For a translate route, after validation: counts its texts against the caller's characters a minute and its
 * daily quota of segments; a 429 with Retry-After when over, a 413 when larger than the character budget itself.
 */
export function spendSegments(c: Context, segments: readonly string[], respond: ErrorResponder): Response | undefined {
  const refusal = c.get('textBudget')?.(segments);
  if (!refusal) return undefined;
  if (refusal.retryAfterSeconds === undefined) return respond(c, refusal.status, 'Content Too Large', refusal.detail);
  return tooManyRequests(c, respond, refusal.retryAfterSeconds, refusal.detail);
}
