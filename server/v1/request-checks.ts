import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { deadlineMs } from '../../contract/translation-api.ts';
import type { ErrorResponder } from './error-responses.ts';

/** Lowers the server's deadline for one request, in milliseconds. */
export const deadlineHeader = 'X-Deadline-Ms';

const deadlineHeaderValue = z.string().regex(/^\d+$/, 'must be a whole number of milliseconds').transform(Number).pipe(deadlineMs);

function mediaTypeOf(c: Context): string {
  return (c.req.header('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase();
}

export function isJson(c: Context): boolean {
  return mediaTypeOf(c) === 'application/json';
}

/** 415 unless the body is one of `mediaTypes`. */
export function requireMediaType(mediaTypes: readonly string[], respond: ErrorResponder) {
  return createMiddleware(async function requireMediaTypeMiddleware(c, next) {
    const mediaType = mediaTypeOf(c);
    if (mediaTypes.includes(mediaType)) return next();
    const sent = mediaType === '' ? 'no Content-Type' : mediaType;
    return respond(c, 415, 'Unsupported Media Type', `Send the body as ${mediaTypes.join(' or ')} (got ${sent}).`);
  });
}

/** 413 once the body passes `maxBytes`, whether announced by Content-Length or streamed. */
export function limitBody(maxBytes: number, respond: ErrorResponder) {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) => respond(c, 413, 'Content Too Large', `The request body is larger than ${maxBytes} bytes.`),
  });
}

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by clientDeadline: the deadline the client's header asked for, if any. */
    deadlineMs: number | undefined;
  }
}

/** Reads the deadline header into `deadlineMs` (undefined when absent); a malformed one is a 422. */
export function clientDeadline(respond: ErrorResponder) {
  return createMiddleware(async function clientDeadlineMiddleware(c, next) {
    const header = c.req.header(deadlineHeader);
    const parsed = deadlineHeaderValue.optional().safeParse(header);
    if (!parsed.success) {
      return respond(c, 422, 'Unprocessable Content', `${deadlineHeader}: ${parsed.error.issues[0]!.message}`);
    }
    c.set('deadlineMs', parsed.data);
    await next();
  });
}

/** The lower of two optional deadlines. */
export function earliest(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

/** A zod failure as an error response, listing every problem by its path. */
export function invalidBody(c: Context, error: z.ZodError, respond: ErrorResponder, status: ContentfulStatusCode): Response {
  const errors = error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  const detail = errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ');
  return respond(c, status, status === 422 ? 'Unprocessable Content' : 'Bad Request', `Invalid request: ${detail}`, { errors });
}
