import { Hono } from 'hono';
import type { RouterRoute } from 'hono/types';
import { defaultRequestLimits, probeApi, type RequestLimits } from '../contract/translation-api.ts';
import packageJson from '../package.json' with { type: 'json' };
import { createApiRoutes } from './api.ts';
import type { ServerConfig } from './config.ts';
import { methodNotAllowed } from './middleware/method-not-allowed.ts';
import { securityHeaders } from './middleware/security-headers.ts';
import { httpMetrics, metricsEndpoint } from './ops/metrics.ts';
import { createModelAdminRoutes } from './ops/model-admin-routes.ts';
import { createOperations, probeRoutes, type Operations } from './ops/operations.ts';
import { readyz } from './ops/readiness.ts';
import { requestLog } from './ops/request-log.ts';
import { rejectWhileDraining } from './ops/shutdown.ts';
import { notFound, onError, problem } from './problem.ts';
import { adminAuth, createAdminRoutes } from './security/admin-routes.ts';
import { createSecurity } from './security/api-guard.ts';
import { metricsAuth } from './security/operator-keys.ts';
import { staticFiles } from './static-files.ts';
import type { ModelRollout } from './translation/model-rollout.ts';
import { unavailableTranslation, type TranslationService } from './translation/service.ts';
import { createLibreTranslateRoutes } from './v1/libretranslate-routes.ts';
import { createTranslationRoutes, engineStats } from './v1/translate-routes.ts';

const oneYearImmutable = 'public, max-age=31536000, immutable';

// Only build outputs under assets/ and ort/ are safe to cache forever; index.html, sw.js and the manifest must revalidate.
function distCacheControl(relativePath: string): string {
  return relativePath.startsWith('assets/') || relativePath.startsWith('ort/') ? oneYearImmutable : 'no-cache';
}

/** The translation engine behind /v1 and the LibreTranslate routes, and the limits on a request. */
export interface TranslationMount {
  service: TranslationService;
  limits: RequestLimits;
  /** The served models' versions, for /admin/models; absent when translation is not running. */
  rollout?: ModelRollout;
}

const translationNotRunning: TranslationMount = {
  service: unavailableTranslation('Translation is not running on this server.'),
  limits: defaultRequestLimits,
};

export function createApp(
  config: ServerConfig,
  translation: TranslationMount = translationNotRunning,
  // An app built without operations (in tests) logs nothing.
  ops: Operations = createOperations({ service: translation.service, log: () => {} }),
) {
  const security = createSecurity(config.security);
  // Read by methodNotAllowed on the first request, once every route below is registered.
  let routes: readonly RouterRoute[] = [];
  const app = new Hono()
    .use(securityHeaders())
    // Operations: request ids, traces, logs and metrics for every request; /readyz and /metrics; 503 while draining.
    .use(requestLog({ sink: ops.log, quietRoutes: probeRoutes }), httpMetrics(ops.metrics))
    // Without an admin key /admin is not there at all (see adminAuth), so its methods are not told either.
    .use(methodNotAllowed(() => routes, (path) => !security.settings.adminKeyHash && path.startsWith('/admin')))
    .route('/', probeApi({ health: () => ({ status: 'ok', uptimeSeconds: Math.floor(process.uptime()), version: packageJson.version }), ready: readyz(ops.readiness) }))
    .use('/metrics', metricsAuth(security))
    .get('/metrics', metricsEndpoint(ops.metrics))
    .use(rejectWhileDraining(ops.drain))
    .route('/', createApiRoutes(config))
    .all('/api/*', notFound)
    // Security: keyed operator routes (anything under /admin is behind adminAuth; add routes before the 404),
    // and API keys, rate limits and CORS inside the translation route factories.
    .use('/admin/*', adminAuth(security))
    .route('/admin', createAdminRoutes(security))
    .route('/admin', createModelAdminRoutes(translation.rollout))
    .get('/admin/stats', engineStats(translation.service, { processIds: true }))
    .all('/admin/*', notFound)
    .route('/', createTranslationRoutes(translation.service, translation.limits, security, ops.pricing))
    .route('/', createLibreTranslateRoutes(translation.service, translation.limits, security, ops.pricing))
    .all('/v1/*', notFound)
    .get(
      '/models/*',
      staticFiles({ root: config.modelsDir, prefix: '/models', cacheControl: () => 'public, max-age=3600' }),
      notFound,
    )
    .get(
      '/*',
      staticFiles({
        root: config.distDir,
        prefix: '',
        index: 'index.html',
        spaFallback: true,
        precompressed: true,
        cacheControl: distCacheControl,
        onMissingIndex: (c) =>
          problem(c, 503, 'App Not Built', 'The web app has not been built yet. Run `npm run build`, then reload.'),
      }),
    );
  routes = app.routes;
  app.onError(onError);
  app.notFound(notFound);
  return app;
}

export type AppType = ReturnType<typeof createApp>;
