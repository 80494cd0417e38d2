import { describe, expect, it } from 'vitest';
import { RateLimiter, secondsUntilUtcMidnight, UsageMeter } from './rate-limit.ts';

const t0 = Date.parse('2025-03-01T12:00:00Z');

describe('RateLimiter', () => {
  it('allows a burst of a minute’s worth, then refuses with the wait for the next token', () => {
    const limiter = new RateLimiter();
    const takes = [1, 2, 3].map(() => limiter.take('alice', 3, t0));
    expect(takes.map((t) => [t.allowed, t.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
    ]);
    const refused = limiter.take('alice', 3, t0);
    expect(refused).toMatchObject({ allowed: false, limit: 3, remaining: 0, retryAfterSeconds: 20, resetSeconds: 60 });
  });

  it('refills evenly over the minute', () => {
    const limiter = new RateLimiter();
    for (let i = 0; i < 60; i++) limiter.take('a', 60, t0);
    expect(limiter.take('a', 60, t0 + 500).allowed).toBe(false);
    expect(limiter.take('a', 60, t0 + 1000)).toMatchObject({ allowed: true, remaining: 0 });
    expect(limiter.take('a', 60, t0 + 61_000)).toMatchObject({ allowed: true, remaining: 59, resetSeconds: 1 });
  });

  it('peeks without taking', () => {
    const limiter = new RateLimiter();
    expect(limiter.peek('a', 1, t0)).toMatchObject({ allowed: true, remaining: 1 });
    expect(limiter.take('a', 1, t0).allowed).toBe(true);
    expect(limiter.peek('a', 1, t0)).toMatchObject({ allowed: false, retryAfterSeconds: 60 });
    expect(limiter.peek('a', 1, t0 + 60_000).allowed).toBe(true);
  });

  it('takes several tokens at once (characters), waiting for as many to refill', () => {
    const limiter = new RateLimiter();
    expect(limiter.take('a', 600, t0, 500)).toMatchObject({ allowed: true, remaining: 100 });
    expect(limiter.take('a', 600, t0, 200)).toMatchObject({ allowed: false, remaining: 100, retryAfterSeconds: 10 });
    expect(limiter.take('a', 600, t0 + 10_000, 200)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('keeps clients apart', () => {
    const limiter = new RateLimiter();
    limiter.take('a', 1, t0);
    expect(limiter.take('a', 1, t0).allowed).toBe(false);
    expect(limiter.take('b', 1, t0).allowed).toBe(true);
  });

  it('forgets the least recently seen client past its capacity', () => {
    const limiter = new RateLimiter(2);
    limiter.take('a', 1, t0);
    limiter.take('b', 1, t0);
    limiter.take('c', 1, t0);
    expect(limiter.take('a', 1, t0).allowed).toBe(true);
    expect(limiter.take('c', 1, t0).allowed).toBe(false);
  });
});

describe('UsageMeter', () => {
  it('counts requests and segments per key and for anonymous clients', () => {
    const meter = new UsageMeter();
    meter.request('alice', t0);
    meter.spend('alice', 3, undefined, t0);
    meter.request(undefined, t0);
    meter.spend(undefined, 2, undefined, t0);
    const { day, clients } = meter.report(t0);
    expect(day).toBe('2025-03-01');
    expect(clients.get('alice')).toEqual({ today: { requests: 1, segments: 3 }, sinceStart: { requests: 1, segments: 3 }, lastSeen: '2025-03-01T12:00:00.000Z' });
    expect(clients.get(undefined)?.today).toEqual({ requests: 1, segments: 2 });
  });

  it('refuses segments past the daily quota, saying how many are left, until midnight UTC', () => {
    const meter = new UsageMeter();
    expect(meter.spend('alice', 4, 5, t0)).toEqual({ allowed: true });
    expect(meter.spend('alice', 2, 5, t0)).toEqual({ allowed: false, left: 1, retryAfterSeconds: 12 * 3600 });
    expect(meter.spend('alice', 1, 5, t0)).toEqual({ allowed: true });
    expect(meter.spend('alice', 1, 5, t0)).toMatchObject({ allowed: false, left: 0 });
    const nextDay = Date.parse('2025-03-02T00:00:01Z');
    expect(meter.spend('alice', 5, 5, nextDay)).toEqual({ allowed: true });
    expect(meter.report(nextDay).clients.get('alice')).toMatchObject({ today: { segments: 5 }, sinceStart: { segments: 10 } });
  });

  it('reports a copy', () => {
    const meter = new UsageMeter();
    meter.request('a', t0);
    meter.report(t0).clients.get('a')!.today.requests = 99;
    expect(meter.report(t0).clients.get('a')!.today.requests).toBe(1);
  });
});

describe('secondsUntilUtcMidnight', () => {
  it('counts to the next midnight UTC, at least one second', () => {
    expect(secondsUntilUtcMidnight(t0)).toBe(12 * 3600);
    expect(secondsUntilUtcMidnight(Date.parse('2025-03-01T23:59:59.900Z'))).toBe(1);
    expect(secondsUntilUtcMidnight(Date.parse('2025-03-02T00:00:00Z'))).toBe(24 * 3600);
  });
});
