import type { Context } from 'hono';
import type { ContentfulStatusCode, UnofficialStatusCode } from 'hono/utils/http-status';
import { problem } from '../problem.ts';
import { redactInternals } from '../security/redact.ts';
import { isTranslationError, type TranslationErrorCode } from '../translation/errors.ts';

/** Writes an error in a route family's format: problem+json for /v1, `{ error }` for the LibreTranslate routes. */
export type ErrorResponder = (
  c: Context,
  status: ContentfulStatusCode,
  title: string,
  detail: string,
  extra?: Record<string, unknown>,
) => Response;

export const problemResponder: ErrorResponder = (c, status, title, detail, extra) => problem(c, status, title, detail, extra);

export const libreResponder: ErrorResponder = (c, status, _title, detail) => c.json({ error: redactInternals(detail) }, status);

// 499 is nginx's "client closed request": nobody reads the answer, but access logs do.
const clientClosedRequest = 499 as UnofficialStatusCode;

const statuses: Record<TranslationErrorCode, { status: ContentfulStatusCode; title: string }> = {
  'unknown-model': { status: 422, title: 'Unknown Model' },
  'unknown-language': { status: 422, title: 'Unknown Language' },
  'unsupported-direction': { status: 422, title: 'Unsupported Direction' },
  'unsupported-option': { status: 422, title: 'Unsupported Option' },
  'queue-full': { status: 429, title: 'Too Many Requests' },
  'model-unavailable': { status: 503, title: 'Model Unavailable' },
  'worker-failed': { status: 503, title: 'Translation Failed' },
  'deadline-exceeded': { status: 504, title: 'Deadline Exceeded' },
  cancelled: { status: clientClosedRequest, title: 'Client Closed Request' },
};

/** Answers a TranslationError with its status (and Retry-After where known); anything else is rethrown to become a 500. */
export function translationFailure(c: Context, err: unknown, respond: ErrorResponder): Response {
  if (!isTranslationError(err)) throw err;
  const { status, title } = statuses[err.code];
  if (err.retryAfterSeconds !== undefined) c.header('Retry-After', String(err.retryAfterSeconds));
  return respond(c, status, title, err.message, { code: err.code });
}
