import type { MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { problemResponder } from '../v1/error-responses.ts';
import { presentedKey } from './api-keys.ts';
import { throttledKeyCheck, unauthorized, type Security } from './api-guard.ts';
import { VerifiedKeyCache, verifyKey, type KeyHash } from './key-hash.ts';
import { securitySettings } from './settings.ts';

interface OperatorKeyOptions {
  realm: string;
  /** The hashes a presented key may match; never API keys. */
  hashes: readonly KeyHash[];
  /** What the 401 says when no key was presented. */
  missingDetail: string;
  /** What the 401 says when the key presented matches none of `hashes`. */
  wrongDetail: string;
}

/**
 * Admits a request whose `Authorization: Bearer` (or X-API-Key) key matches one of the operator hashes. A key
 * that verified once is remembered by HMAC; unknown keys go through the per-address key-guessing brake.
 */
export function operatorKeyGuard(security: Security, options: OperatorKeyOptions): MiddlewareHandler {
  const verified = new VerifiedKeyCache<true>(16);
  const { realm, hashes } = options;
  return createMiddleware(async function operatorKeyMiddleware(c, next) {
    const key = presentedKey(c);
    if (key === undefined) return unauthorized(c, problemResponder, realm, options.missingDetail, false);
    const tag = verified.tag(key);
    if (!verified.get(tag)) {
      const checked = await throttledKeyCheck(security, c, problemResponder, realm, async () => {
        for (const hash of hashes) if (await verifyKey(key, hash)) return { ok: true };
        return { ok: false };
      });
      if ('refused' in checked) return checked.refused;
      if (!checked.result.ok) return unauthorized(c, problemResponder, realm, options.wrongDetail, true);
      verified.set(tag, true);
    }
    await next();
  });
}

/**
 * GET /metrics lists key ids and what each has cost, so it is closed once a metrics token is configured
 * (SOTTO_METRICS_TOKEN_HASH) and always under SOTTO_AUTH=required: the metrics token or the admin key opens it.
 * Otherwise (auth off or optional, no token) it stays open, for a Prometheus on the same host or network.
 */
export function metricsAuth(security: Security): MiddlewareHandler {
  const { auth, metricsTokenHash, adminKeyHash } = security.settings;
  const hashes = [metricsTokenHash, adminKeyHash].filter((hash) => hash !== undefined);
  const closed = metricsTokenHash !== undefined || auth === 'required';
  if (!closed) return async (_c, next) => next();
  if (hashes.length === 0) {
    const detail = `The metrics are closed under ${securitySettings.auth.env}=required; set ${securitySettings.metricsTokenHash.env} and scrape with that token.`;
    return async (c) => unauthorized(c, problemResponder, 'sotto-metrics', detail, false);
  }
  return operatorKeyGuard(security, {
    realm: 'sotto-metrics',
    hashes,
    missingDetail: 'The metrics token (or the admin key) is required: send it as "Authorization: Bearer <token>".',
    wrongDetail: 'This is neither the metrics token nor the admin key.',
  });
}
