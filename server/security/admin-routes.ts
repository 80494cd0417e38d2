import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { notFound, problem } from '../problem.ts';
import { problemResponder } from '../v1/error-responses.ts';
import { presentedKey } from './api-keys.ts';
import { throttledKeyCheck, unauthorized, type Security } from './api-guard.ts';
import { VerifiedKeyCache, verifyKey } from './key-hash.ts';
import { keyIdPattern } from './settings.ts';

/**
 * Guards every /admin path with the admin key (SOTTO_ADMIN_KEY_HASH), which is separate from the API keys: an
 * API key never opens /admin. Without an admin key configured, /admin answers 404 like any unknown path, so
 * the routes are not discoverable. Mount it on `/admin/*` before any admin routes.
 */
export function adminAuth(security: Security) {
  const verified = new VerifiedKeyCache<true>(16);
  return createMiddleware(async function adminAuthMiddleware(c, next) {
    const hash = security.settings.adminKeyHash;
    if (!hash) return notFound(c);
    const key = presentedKey(c);
    if (key === undefined) {
      return unauthorized(c, problemResponder, 'sotto-admin', 'The admin key is required: send it as "Authorization: Bearer <key>".', false);
    }
    const tag = verified.tag(key);
    if (!verified.get(tag)) {
      const checked = await throttledKeyCheck(security, c, problemResponder, () => verifyKey(key, hash));
      if ('refused' in checked) return checked.refused;
      if (!checked.result) return unauthorized(c, problemResponder, 'sotto-admin', 'This is not the admin key.', true);
      verified.set(tag, true);
    }
    await next();
  });
}

/**
 * Operator routes, mounted at /admin behind adminAuth: GET /keys (ids, limits, usage; never hashes),
 * POST /keys/:id/revoke, GET /usage. More admin routes go on this sub-app or under /admin in app.ts.
 */
export function createAdminRoutes(security: Security) {
  return new Hono()
    .get('/keys', (c) => {
      const { clients } = security.usage.report(security.now());
      const keys = security.keys.list().map((entry) => ({
        id: entry.id,
        source: entry.source,
        rateLimitPerMinute: entry.rateLimitPerMinute ?? null,
        quotaSegmentsPerDay: entry.quotaSegmentsPerDay ?? null,
        revoked: entry.revoked,
        usage: clients.get(entry.id) ?? null,
      }));
      return c.json({ keys }, 200);
    })
    .post('/keys/:id/revoke', async (c) => {
      const id = c.req.param('id');
      const revoked = keyIdPattern.test(id) ? await security.keys.revoke(id) : undefined;
      if (!revoked) return problem(c, 404, 'Unknown Key', 'There is no API key with this id.');
      const note = revoked.persisted
        ? undefined
        : 'Revoked in this server process only: remove or mark the entry revoked where it is configured, or it works again after a restart.';
      return c.json({ id, revoked: true, persisted: revoked.persisted, ...(note ? { note } : {}) }, 200);
    })
    .get('/usage', (c) => {
      const { day, clients } = security.usage.report(security.now());
      const keys = [...clients].flatMap(([id, usage]) => (id === undefined ? [] : [{ id, ...usage }]));
      return c.json({ day, keys, anonymous: clients.get(undefined) ?? null }, 200);
    });
}
