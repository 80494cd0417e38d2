import type { MiddlewareHandler } from 'hono';

const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  // blob: because transformers.js loads ORT's wasm factory from a blob URL.
  "worker-src 'self' blob:",
  "connect-src 'self' blob: data:",
  "img-src 'self' data: blob:",
  "style-src 'self'",
  "media-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

export const securityHeaderValues: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Permissions-Policy': 'microphone=(self)',
  'Content-Security-Policy': contentSecurityPolicy,
};

/** Cross-origin isolation (needed for SharedArrayBuffer / threaded wasm) and a strict CSP on every response. */
export function securityHeaders(): MiddlewareHandler {
  return async function securityHeadersMiddleware(c, next) {
    await next();
    for (const [name, value] of Object.entries(securityHeaderValues)) {
      // API answers to allowed cross-origin callers widen CORP (security/cors.ts); everything else stays same-origin.
      if (name === 'Cross-Origin-Resource-Policy' && c.res.headers.get(name) === 'cross-origin') continue;
      c.res.headers.set(name, value);
    }
  };
}
