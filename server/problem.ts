import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { redactInternals } from './security/redact.ts';

/** RFC 9457 problem details. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  [extension: string]: unknown;
}

const problemContentType = 'application/problem+json';

export function problem(
  c: Context,
  status: ContentfulStatusCode,
  title: string,
  detail?: string,
  extra?: Record<string, unknown>,
): Response {
  const body: ProblemDetails = {
    type: 'about:blank',
    ...extra,
    title,
    status,
    ...(detail === undefined ? {} : { detail: redactInternals(detail) }),
  };
  return c.body(JSON.stringify(body), status, { 'Content-Type': problemContentType });
}

const defaultTitles: Partial<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const onError: ErrorHandler = (err, c) => {
  if (err instanceof HTTPException) {
    const title = defaultTitles[err.status] ?? 'Error';
    return problem(c, err.status, title, err.message || undefined);
  }
  console.error(`Unhandled error on ${c.req.method} ${c.req.path}:`, err);
  return problem(c, 500, 'Internal Server Error', 'The server could not complete the request.');
};

export const notFound: NotFoundHandler = (c) =>
  problem(c, 404, 'Not Found', 'Nothing is served at this path.');
