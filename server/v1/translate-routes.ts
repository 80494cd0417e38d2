import { Hono, type Handler } from 'hono';
import { validator } from 'hono/validator';
import { z } from 'zod';
import { chargeTranslation, type Pricing } from '../ops/cost.ts';
import { apiGuard, spendSegments, stickyClient, type Security } from '../security/api-guard.ts';
import { apiCors } from '../security/cors.ts';
import type { TranslationService } from '../translation/service.ts';
import type { RequestLimits } from '../translation/settings.ts';
import { problemResponder, translationFailure } from './error-responses.ts';
import {
  clientDeadline,
  deadlineField,
  earliest,
  invalidBody,
  languageCode,
  limitBody,
  requireMediaType,
} from './request-checks.ts';

function translateBody(limits: RequestLimits) {
  const segment = z.string().max(limits.maxSegmentChars, `must be at most ${limits.maxSegmentChars} characters`);
  return z.object({
    segments: z
      .array(segment)
      .min(1, 'must not be empty')
      .max(limits.maxSegments, `must have at most ${limits.maxSegments} segments`),
    source: languageCode,
    target: languageCode,
    model: z.string().min(1).max(200).optional(),
    deadlineMs: deadlineField,
  });
}

/**
 * The server translation API: POST /v1/translate, GET /v1/models, GET /v1/stats, behind CORS and the API key
 * policy. Errors are problem+json.
 */
export function createTranslationRoutes(service: TranslationService, limits: RequestLimits, security: Security, pricing: Pricing) {
  const body = translateBody(limits);
  return new Hono()
    .use('/v1/*', apiCors(security.settings.corsOrigins), apiGuard(security, problemResponder))
    .post(
      '/v1/translate',
      requireMediaType(['application/json'], problemResponder),
      limitBody(limits.maxBodyBytes, problemResponder),
      clientDeadline(problemResponder),
      validator('json', (value, c) => {
        const parsed = body.safeParse(value);
        return parsed.success ? parsed.data : invalidBody(c, parsed.error, problemResponder, 422);
      }),
      async (c) => {
        const { deadlineMs, ...request } = c.req.valid('json');
        const overQuota = spendSegments(c, request.segments, problemResponder);
        if (overQuota) return overQuota;
        try {
          const result = await service.translate({
            ...request,
            deadlineMs: earliest(deadlineMs, c.get('deadlineMs')),
            signal: c.req.raw.signal,
            client: stickyClient(c),
          });
          return c.json(chargeTranslation(c, result, pricing), 200);
        } catch (err) {
          return translationFailure(c, err, problemResponder);
        }
      },
    )
    .get('/v1/models', (c) => c.json({ models: service.models() }, 200))
    .get('/v1/stats', engineStats(service, { processIds: false }));
}

/**
 * GET /v1/stats, and GET /admin/stats behind the admin key: cache, queue and worker statistics. The inference
 * processes' ids tell an API client what to signal on the host, so only the admin sees them.
 */
export function engineStats(service: TranslationService, { processIds }: { processIds: boolean }): Handler {
  return function engineStatsHandler(c) {
    try {
      const stats = service.stats();
      if (processIds) return c.json(stats, 200);
      const workers = stats.workers.workers.map(({ pid: _pid, ...worker }) => worker);
      return c.json({ ...stats, workers: { ...stats.workers, workers } }, 200);
    } catch (err) {
      return translationFailure(c, err, problemResponder);
    }
  };
}
