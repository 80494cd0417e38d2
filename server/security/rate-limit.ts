import type { Context } from 'hono';
import type { ErrorResponder } from '../v1/error-responses.ts';

/** The outcome of taking one token from a bucket. */
export interface Take {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** Seconds until the next token; 0 when allowed. */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/**
 * Token buckets by client (key id or address): `perMinute` tokens, refilled evenly over a minute, so a
 * client may burst a minute's worth and then continues at the rate. A take may cost more than one token
 * (characters, say), never more than `perMinute`: a larger one could never be allowed. Idle buckets are full
 * and so are safe to forget: past `maxTracked` clients the least recently seen goes.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();

  constructor(private readonly maxTracked = 10_000) {}

  take(client: string, perMinute: number, nowMs: number, cost = 1): Take {
    const tokens = this.#level(client, perMinute, nowMs);
    const allowed = tokens >= cost;
    const left = allowed ? tokens - cost : tokens;
    this.#buckets.delete(client);
    this.#buckets.set(client, { tokens: left, updatedMs: nowMs });
    if (this.#buckets.size > this.maxTracked) this.#buckets.delete(this.#buckets.keys().next().value!);
    return outcome(allowed, perMinute, left, allowed ? 0 : cost);
  }

  /** What taking one token would answer, without taking it. */
  peek(client: string, perMinute: number, nowMs: number): Take {
    const tokens = this.#level(client, perMinute, nowMs);
    return outcome(tokens >= 1, perMinute, tokens, tokens >= 1 ? 0 : 1);
  }

  #level(client: string, perMinute: number, nowMs: number): number {
    const bucket = this.#buckets.get(client);
    return bucket ? Math.min(perMinute, bucket.tokens + (nowMs - bucket.updatedMs) * (perMinute / 60_000)) : perMinute;
  }
}

/** `waitFor`: the tokens a refused take needs (0 when allowed). */
function outcome(allowed: boolean, perMinute: number, left: number, waitFor: number): Take {
  const perMs = perMinute / 60_000;
  return {
    allowed,
    limit: perMinute,
    remaining: Math.max(0, Math.floor(left)),
    resetSeconds: Math.ceil((perMinute - left) / perMs / 1000),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((waitFor - left) / perMs / 1000)),
  };
}

interface Usage {
  requests: number;
  segments: number;
}

interface ClientUsage {
  today: Usage;
  sinceStart: Usage;
  lastSeen: string;
}

type Spend = { allowed: true } | { allowed: false; left: number; retryAfterSeconds: number };

const utcDay = (nowMs: number) => new Date(nowMs).toISOString().slice(0, 10);

export function secondsUntilUtcMidnight(nowMs: number): number {
  const midnight = new Date(nowMs);
  midnight.setUTCHours(24, 0, 0, 0);
  return Math.max(1, Math.ceil((midnight.getTime() - nowMs) / 1000));
}

/** Requests and segments by key id (undefined: anonymous), today (UTC) and since the server started. */
export class UsageMeter {
  #day = '';
  readonly #clients = new Map<string | undefined, ClientUsage>();

  #rollOver(nowMs: number): void {
    const day = utcDay(nowMs);
    if (day === this.#day) return;
    this.#day = day;
    for (const usage of this.#clients.values()) usage.today = { requests: 0, segments: 0 };
  }

  #usage(id: string | undefined, nowMs: number): ClientUsage {
    this.#rollOver(nowMs);
    let usage = this.#clients.get(id);
    if (!usage) {
      usage = { today: { requests: 0, segments: 0 }, sinceStart: { requests: 0, segments: 0 }, lastSeen: '' };
      this.#clients.set(id, usage);
    }
    usage.lastSeen = new Date(nowMs).toISOString();
    return usage;
  }

  request(id: string | undefined, nowMs: number): void {
    const usage = this.#usage(id, nowMs);
    usage.today.requests += 1;
    usage.sinceStart.requests += 1;
  }

  /** Counts `segments` unless they would take today's total past `quota`. */
  spend(id: string | undefined, segments: number, quota: number | undefined, nowMs: number): Spend {
    const usage = this.#usage(id, nowMs);
    if (quota !== undefined && usage.today.segments + segments > quota) {
      return { allowed: false, left: Math.max(0, quota - usage.today.segments), retryAfterSeconds: secondsUntilUtcMidnight(nowMs) };
    }
    usage.today.segments += segments;
    usage.sinceStart.segments += segments;
    return { allowed: true };
  }

  /** Today's UTC date and a copy of every client's usage. */
  report(nowMs: number): { day: string; clients: Map<string | undefined, ClientUsage> } {
    this.#rollOver(nowMs);
    const clients = new Map([...this.#clients].map(([id, u]) => [id, structuredClone(u)]));
    return { day: this.#day, clients };
  }
}

/** IETF draft RateLimit headers, on every answer a bucket applied to. */
export function setRateLimitHeaders(c: Context, take: Take): void {
  c.header('RateLimit-Limit', String(take.limit));
  c.header('RateLimit-Remaining', String(take.remaining));
  c.header('RateLimit-Reset', String(take.resetSeconds));
}

export const rateLimitExposedHeaders = ['Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'];

/** A 429 in the route family's format, with Retry-After. */
export function tooManyRequests(c: Context, respond: ErrorResponder, retryAfterSeconds: number, detail: string): Response {
  c.header('Retry-After', String(retryAfterSeconds));
  return respond(c, 429, 'Too Many Requests', detail);
}
