import type { Handler } from 'hono';
import { publishedLimits, translationApi, type RequestLimits } from '../../contract/translation-api.ts';
import { chargeTranslation, type Pricing } from '../ops/cost.ts';
import { apiGuard, spendSegments, stickyClient, type Security } from '../security/api-guard.ts';
import { apiCors } from '../security/cors.ts';
import type { TranslationService } from '../translation/service.ts';
import { problemResponder, translationFailure } from './error-responses.ts';
import { clientDeadline, earliest, invalidBody, limitBody, requireMediaType } from './request-checks.ts';

/**
 * The server translation API (the contract's POST /v1/translate and GET /v1/models, with its limits), and
 * GET /v1/stats, behind CORS and the API key policy. Errors are problem+json.
 */
export function createTranslationRoutes(service: TranslationService, limits: RequestLimits, security: Security, pricing: Pricing) {
  return translationApi(limits, {
    guard: [apiCors(security.settings.corsOrigins), apiGuard(security, problemResponder)],
    bodyChecks: [requireMediaType(['application/json'], problemResponder), limitBody(limits.maxBodyBytes, problemResponder), clientDeadline(problemResponder)],
    invalid: (c, error) => invalidBody(c, error, problemResponder, 422),
    translate: async (c, { deadlineMs, ...request }) => {
      const overQuota = spendSegments(c, request.segments, problemResponder);
      if (overQuota) return overQuota;
      try {
        const result = await service.translate({
          ...request,
          deadlineMs: earliest(deadlineMs, c.get('deadlineMs')),
          signal: c.req.raw.signal,
          client: stickyClient(c),
        });
        return chargeTranslation(c, result, pricing);
      } catch (err) {
        return translationFailure(c, err, problemResponder);
      }
    },
    models: (c) => ({ models: service.models(), limits: publishedLimits(limits, c.get('charsPerMinute')) }),
  }).get('/v1/stats', engineStats(service, { processIds: false }));
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
