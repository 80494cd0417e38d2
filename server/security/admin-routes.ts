import { Hono, type MiddlewareHandler } from 'hono';
import { notFound, problem } from '../problem.ts';
import type { Security } from './api-guard.ts';
import { operatorKeyGuard } from './operator-keys.ts';
import { keyIdPattern } from './settings.ts';

/**
 * Guards every /admin path with the admin key (SOTTO_ADMIN_KEY_HASH), which is separate from the API keys: an
 * API key never opens /admin. Without an admin key configured, /admin answers 404 like any unknown path, so
 * the routes are not discoverable. Mount it on `/admin/*` before any admin routes.
 */
export function adminAuth(security: Security): MiddlewareHandler {
  const hash = security.settings.adminKeyHash;
  if (!hash) return async (c) => notFound(c);
  return operatorKeyGuard(security, {
    realm: 'sotto-admin',
    hashes: [hash],
    missingDetail: 'The admin key is required: send it as "Authorization: Bearer <key>".',
    wrongDetail: 'This is not the admin key.',
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
        charsPerMinute: entry.charsPerMinute ?? null,
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
