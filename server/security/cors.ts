import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { deadlineHeader } from '../v1/request-checks.ts';
import { rateLimitExposedHeaders } from './rate-limit.ts';

/**
 * CORS for the translation APIs: browsers on `origins` may call them (preflight included); others, and
 * everyone when `origins` is empty, get no Access-Control-Allow-Origin, so only same-origin pages can read
 * the answers. Keys travel in headers, never cookies, so no credentials mode.
 *
 * securityHeaders() sends `Cross-Origin-Resource-Policy: same-origin` on everything; an allowed caller's
 * answer gets `cross-origin` instead. Browsers only check CORP on no-cors requests, but a cross-origin-isolated
 * caller (COEP: require-corp) may well embed one that way.
 */
export function apiCors(origins: readonly string[]): MiddlewareHandler {
  const allowed = new Set(origins);
  const allowOrigin = (origin: string) => (allowed.has(origin) ? origin : null);
  const handleCors = cors({
    origin: allowOrigin,
    allowMethods: ['GET', 'POST'],
    allowHeaders: ['Authorization', 'X-API-Key', 'Content-Type', deadlineHeader],
    exposeHeaders: rateLimitExposedHeaders,
    maxAge: 600,
  });
  return async function apiCorsMiddleware(c, next) {
    const response = await handleCors(c, next);
    if (allowOrigin(c.req.header('Origin') ?? '')) (response ?? c.res).headers.set('Cross-Origin-Resource-Policy', 'cross-origin');
    return response;
  };
}
