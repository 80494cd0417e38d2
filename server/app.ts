import { Hono } from 'hono';
import packageJson from '../package.json' with { type: 'json' };
import { createApiRoutes } from './api.ts';
import type { ServerConfig } from './config.ts';
import { securityHeaders } from './middleware/security-headers.ts';
import { notFound, onError, problem } from './problem.ts';
import { staticFiles } from './static-files.ts';
import { unavailableTranslation, type TranslationService } from './translation/service.ts';
import { defaultRequestLimits, type RequestLimits } from './translation/settings.ts';
import { createLibreTranslateRoutes } from './v1/libretranslate-routes.ts';
import { createTranslationRoutes } from './v1/translate-routes.ts';

const oneYearImmutable = 'public, max-age=31536000, immutable';

// Only build outputs under assets/ and ort/ are safe to cache forever; index.html, sw.js and the manifest must revalidate.
function distCacheControl(relativePath: string): string {
  return relativePath.startsWith('assets/') || relativePath.startsWith('ort/') ? oneYearImmutable : 'no-cache';
}

/** The translation engine behind /v1 and the LibreTranslate routes, and the limits on a request. */
export interface TranslationMount {
  service: TranslationService;
  limits: RequestLimits;
}

const translationNotRunning: TranslationMount = {
  service: unavailableTranslation('Translation is not running on this server.'),
  limits: defaultRequestLimits,
};

export function createApp(config: ServerConfig, translation: TranslationMount = translationNotRunning) {
  const app = new Hono()
    .use(securityHeaders())
    .get('/healthz', (c) =>
      c.json(
        { status: 'ok' as const, uptimeSeconds: Math.floor(process.uptime()), version: packageJson.version },
        200,
      ),
    )
    .route('/', createApiRoutes(config))
    .all('/api/*', notFound)
    .route('/', createTranslationRoutes(translation.service, translation.limits))
    .route('/', createLibreTranslateRoutes(translation.service, translation.limits))
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
        cacheControl: distCacheControl,
        onMissingIndex: (c) =>
          problem(c, 503, 'App Not Built', 'The web app has not been built yet. Run `npm run build`, then reload.'),
      }),
    );
  app.onError(onError);
  app.notFound(notFound);
  return app;
}

export type AppType = ReturnType<typeof createApp>;
