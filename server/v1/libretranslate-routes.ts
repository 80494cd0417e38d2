import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { apiGuard, spendSegments, stickyClient, type Security } from '../security/api-guard.ts';
import { apiCors } from '../security/cors.ts';
import type { TranslationService } from '../translation/service.ts';
import type { RequestLimits } from '../translation/settings.ts';
import { libreResponder, translationFailure } from './error-responses.ts';
import { clientDeadline, invalidBody, isJson, limitBody, requireMediaType } from './request-checks.ts';

const displayNames = new Intl.DisplayNames(['en'], { type: 'language' });

function languageName(code: string): string {
  return displayNames.of(code) ?? code;
}

function libreBody(limits: RequestLimits) {
  const text = z.string().max(limits.maxSegmentChars, `must be at most ${limits.maxSegmentChars} characters`);
  return z.object({
    q: z.union([text, z.array(text).min(1, 'must not be empty').max(limits.maxSegments, `must have at most ${limits.maxSegments} texts`)]),
    source: z.string().min(1),
    target: z.string().min(1),
    format: z.enum(['text', 'html']).default('text'),
    // Checked by apiGuard (bodyApiKey), before this schema runs.
    api_key: z.string().optional(),
  });
}

/** LibreTranslate clients send their key as the `api_key` field of the JSON or form body. */
async function bodyApiKey(c: Context): Promise<string | undefined> {
  try {
    const raw: unknown = isJson(c) ? await c.req.json() : await c.req.parseBody();
    const key = typeof raw === 'object' && raw !== null ? (raw as { api_key?: unknown }).api_key : undefined;
    return typeof key === 'string' && key !== '' ? key : undefined;
  } catch {
    // The handler reads the same body and answers the parse error.
    return undefined;
  }
}

/**
 * LibreTranslate-compatible routes, so its clients and plugins work unchanged: POST /translate (JSON or
 * form) and GET /languages, which stays open to clients without a key. Errors take LibreTranslate's
 * `{ "error": "…" }` shape.
 */
export function createLibreTranslateRoutes(service: TranslationService, limits: RequestLimits, security: Security) {
  const body = libreBody(limits);
  const cors = apiCors(security.settings.corsOrigins);
  return new Hono()
    .use('/translate', cors)
    .use('/languages', cors)
    .post(
      '/translate',
      requireMediaType(['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'], libreResponder),
      limitBody(limits.maxBodyBytes, libreResponder),
      clientDeadline(libreResponder),
      apiGuard(security, libreResponder, { bodyKey: bodyApiKey }),
      async (c) => {
        let raw: unknown;
        try {
          raw = isJson(c) ? await c.req.json() : await c.req.parseBody({ all: true });
        } catch {
          return libreResponder(c, 400, 'Bad Request', 'Invalid request: the body could not be parsed.');
        }
        const parsed = body.safeParse(raw);
        if (!parsed.success) return invalidBody(c, parsed.error, libreResponder, 400);
        const { q, source, target, format } = parsed.data;
        if (source === 'auto') {
          return libreResponder(c, 422, 'Unprocessable Content', 'Language detection is not available on this server; give the source language.');
        }
        if (format !== 'text') return libreResponder(c, 400, 'Bad Request', 'Only format "text" is supported.');
        const segments = typeof q === 'string' ? [q] : q;
        const overQuota = spendSegments(c, segments, libreResponder);
        if (overQuota) return overQuota;
        try {
          const result = await service.translate({
            segments,
            source,
            target,
            deadlineMs: c.get('deadlineMs'),
            signal: c.req.raw.signal,
            client: stickyClient(c),
          });
          return c.json({ translatedText: typeof q === 'string' ? result.translations[0]! : result.translations }, 200);
        } catch (err) {
          return translationFailure(c, err, libreResponder);
        }
      },
    )
    .get('/languages', apiGuard(security, libreResponder, { keyless: true }), (c) =>
      c.json(
        service.languages().map(({ code, targets }) => ({ code, name: languageName(code), targets })),
        200,
      ),
    );
}
