import { Hono, type Context } from 'hono';
import { chargeTranslation, type Pricing } from '../ops/cost.ts';
import { apiGuard, spendSegments, stickyClient, type Security } from '../security/api-guard.ts';
import { apiCors } from '../security/cors.ts';
import type { TranslationService } from '../translation/service.ts';
import type { RequestLimits } from '../../contract/translation-api.ts';
import { libreResponder, translationFailure } from './error-responses.ts';
import { detectLanguages, type DetectedLanguage } from './language-detection.ts';
import { bodyApiKey, detectBody, libreTexts, libreTranslateBody, readLibreBody, servedLanguage } from './libretranslate-request.ts';
import { clientDeadline, invalidBody, limitBody, requireMediaType } from './request-checks.ts';

const displayNames = new Intl.DisplayNames(['en'], { type: 'language' });

function languageName(code: string): string {
  return displayNames.of(code) ?? code;
}

const bodyTypes = ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'];
const unreadable = (c: Context) => libreResponder(c, 400, 'Bad Request', 'Invalid request: the body could not be parsed.');
// LibreTranslate's own defaults for its web page.
const frontendTimeoutMs = 500;

/**
 * LibreTranslate-compatible routes, so its clients and plugins work unchanged: POST /translate (JSON or form;
 * `source: "auto"`, `format: "html"`, `alternatives`), POST /detect, and GET /languages and GET
 * /frontend/settings, which stay open to clients without a key. Translations are billed, counted and logged as
 * on /v1; errors take LibreTranslate's `{ "error": "…" }` shape, and a refused key is its 403.
 */
export function createLibreTranslateRoutes(service: TranslationService, limits: RequestLimits, security: Security, pricing: Pricing) {
  const body = libreTranslateBody(limits);
  const cors = apiCors(security.settings.corsOrigins);
  const served = () => new Set(service.languages().map((language) => language.code));
  const withBody = [requireMediaType(bodyTypes, libreResponder), limitBody(limits.maxBodyBytes, libreResponder)] as const;
  const keyed = apiGuard(security, libreResponder, { bodyKey: bodyApiKey, refusedKeyStatus: 403 });
  const open = apiGuard(security, libreResponder, { keyless: true });
  return new Hono()
    .use('/translate', cors)
    .use('/detect', cors)
    .use('/languages', cors)
    .use('/frontend/settings', cors)
    .post('/translate', ...withBody, clientDeadline(libreResponder), keyed, async (c) => {
      const raw = await readLibreBody(c);
      if (raw === undefined) return unreadable(c);
      const parsed = body.safeParse(raw);
      if (!parsed.success) return invalidBody(c, parsed.error, libreResponder, 400);
      const { q, format, alternatives } = parsed.data;
      const texts = typeof q === 'string' ? [q] : q;
      const { segments, assemble } = libreTexts(texts, format);
      if (segments.length > limits.maxSegments) {
        const detail = `Invalid request: the HTML has ${segments.length} text nodes; at most ${limits.maxSegments} are translated in one request.`;
        return libreResponder(c, 400, 'Bad Request', detail);
      }
      const languages = served();
      const target = servedLanguage(parsed.data.target, languages);
      const detected: DetectedLanguage | undefined =
        parsed.data.source.toLowerCase() === 'auto' ? detectLanguages(segments.join('\n'), [...languages])[0] : undefined;
      const source = detected?.language ?? servedLanguage(parsed.data.source, languages);
      const overQuota = spendSegments(c, segments, libreResponder);
      if (overQuota) return overQuota;

      let translations = segments;
      let alternativesPerSegment: string[][] | undefined;
      // Text already in the target language (as detected) is answered as it is, like the web app does.
      if (segments.length > 0 && !(detected && source === target)) {
        try {
          const result = await service.translate({
            segments,
            source,
            target,
            deadlineMs: c.get('deadlineMs'),
            signal: c.req.raw.signal,
            client: stickyClient(c),
            // LibreTranslate has no alternatives for HTML either.
            ...(alternatives > 0 && format === 'text' ? { alternatives } : {}),
          });
          chargeTranslation(c, result, pricing);
          translations = result.translations;
          alternativesPerSegment = result.alternatives;
        } catch (err) {
          return translationFailure(c, err, libreResponder);
        }
      }
      const single = typeof q === 'string';
      const translated = assemble(translations);
      const perText = texts.map((_, i) => (format === 'text' ? (alternativesPerSegment?.[i] ?? []) : []));
      return c.json(
        {
          translatedText: single ? translated[0]! : translated,
          ...(detected && { detectedLanguage: single ? detected : texts.map(() => detected) }),
          ...(alternatives > 0 && { alternatives: single ? perText[0]! : perText }),
        },
        200,
      );
    })
    .post('/detect', ...withBody, keyed, async (c) => {
      const raw = await readLibreBody(c);
      if (raw === undefined) return unreadable(c);
      const parsed = detectBody.safeParse(raw);
      if (!parsed.success) return libreResponder(c, 400, 'Bad Request', 'Invalid request: missing q parameter');
      const { q } = parsed.data;
      return c.json(detectLanguages(typeof q === 'string' ? q : q.join('\n'), [...served()]), 200);
    })
    .get('/languages', open, (c) =>
      c.json(
        service.languages().map(({ code, targets }) => ({ code, name: languageName(code), targets })),
        200,
      ),
    )
    .get('/frontend/settings', open, (c) => {
      const languages = service.languages();
      const target = languages.find((language) => language.code === 'en')?.targets[0] ?? languages[0]?.code ?? 'en';
      const { auth } = security.settings;
      return c.json(
        {
          charLimit: limits.maxSegmentChars,
          frontendTimeout: frontendTimeoutMs,
          apiKeys: auth !== 'off',
          keyRequired: auth === 'required',
          suggestions: false,
          filesTranslation: false,
          supportedFilesFormat: [],
          language: { source: { code: 'auto', name: 'Auto Detect' }, target: { code: target, name: languageName(target) } },
        },
        200,
      );
    });
}
