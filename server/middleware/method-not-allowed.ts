import type { MiddlewareHandler } from 'hono';
import type { RouterRoute } from 'hono/types';
import { PatternRouter } from 'hono/router/pattern-router';
import { problem } from '../problem.ts';

type MethodsRouter = PatternRouter<string>;

/** Routes that name one method and a path without a wildcard: the paths this server knows, with their methods. */
function methodsByPath(routes: readonly RouterRoute[], hidden: (path: string) => boolean): MethodsRouter {
  const router: MethodsRouter = new PatternRouter();
  for (const { method, path } of routes) {
    if (method === 'ALL' || path.includes('*') || hidden(path)) continue;
    router.add('ALL', path, method);
  }
  return router;
}

/** The methods `path` answers to, HEAD with GET and OPTIONS (CORS preflights) with any; empty when the path is unknown. */
export function allowedMethods(router: MethodsRouter, path: string): string[] {
  const methods = new Set(router.match('GET', path)[0].map(([method]) => method));
  if (methods.size === 0) return [];
  if (methods.has('GET')) methods.add('HEAD');
  methods.add('OPTIONS');
  return [...methods].sort();
}

/**
 * 405 Method Not Allowed with `Allow` for a known path asked with a method it does not take (rather than the
 * 404, or the app page, the catch-all routes would give). Reads the routes on the first request, once every
 * route is registered; `hidden` paths (the admin routes without an admin key) stay 404s. OPTIONS passes on.
 */
export function methodNotAllowed(routes: () => readonly RouterRoute[], hidden: (path: string) => boolean = () => false): MiddlewareHandler {
  let router: MethodsRouter | undefined;
  return async function methodNotAllowedMiddleware(c, next) {
    if (c.req.method === 'OPTIONS') return next();
    router ??= methodsByPath(routes(), hidden);
    const allowed = allowedMethods(router, c.req.path);
    if (allowed.length === 0 || allowed.includes(c.req.method)) return next();
    c.header('Allow', allowed.join(', '));
    return problem(c, 405, 'Method Not Allowed', `${c.req.path} answers ${allowed.join(', ')}, not ${c.req.method}.`);
  };
}
