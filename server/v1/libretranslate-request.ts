import type { Context } from 'hono';
import { z } from 'zod';
import type { RequestLimits } from '../../contract/translation-api.ts';
import { htmlText } from './html-text.ts';
import { isJson } from './request-checks.ts';

/** What LibreTranslate clients send, and how their language codes map onto the ones the models serve. Pure but for the body reader. */

/** More alternatives cost beam width on every segment; LibreTranslate leaves the cap to the operator. */
export const maxAlternatives = 5;

const count = z
  .union([z.number(), z.string().regex(/^\d+$/, 'must be a whole number').transform(Number)])
  .pipe(z.number().int('must be a whole number').min(0, 'must be at least 0').max(maxAlternatives, `must be at most ${maxAlternatives}`));

export function libreTranslateBody(limits: RequestLimits) {
  const text = z.string().max(limits.maxSegmentChars, `must be at most ${limits.maxSegmentChars} characters`);
  return z.object({
    q: z.union([text, z.array(text).min(1, 'must not be empty').max(limits.maxSegments, `must have at most ${limits.maxSegments} texts`)]),
    source: z.string().min(1),
    target: z.string().min(1),
    format: z.enum(['text', 'html']).default('text'),
    alternatives: count.default(0),
    // Checked by apiGuard (bodyApiKey), before this schema runs.
    api_key: z.string().optional(),
    apiKey: z.string().optional(),
  });
}

export const detectBody = z.object({ q: z.union([z.string().min(1), z.array(z.string()).min(1)]), api_key: z.string().optional() });

/** The body as JSON, or as a urlencoded or multipart form (repeated `q` as an array); undefined when it cannot be read. */
export async function readLibreBody(c: Context): Promise<unknown> {
  try {
    return isJson(c) ? await c.req.json() : await c.req.parseBody({ all: true });
  } catch {
    return undefined;
  }
}

/**
 * LibreTranslate clients send their key as the `api_key` field of the body; the `libretranslate` npm client
 * sends it as `apiKey`. Read after the body limit.
 */
export async function bodyApiKey(c: Context): Promise<string | undefined> {
  const raw = await readLibreBody(c);
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { api_key: snake, apiKey: camel } = raw as { api_key?: unknown; apiKey?: unknown };
  const key = typeof snake === 'string' && snake !== '' ? snake : camel;
  return typeof key === 'string' && key !== '' ? key : undefined;
}

// LibreTranslate's own codes for Brazilian Portuguese and traditional Chinese.
const libreAliases: Record<string, string> = { pb: 'pt', zt: 'zh' };

/**
 * A client's language code as the models know it: case-insensitive, LibreTranslate's `pb`/`zt`, and a
 * region or script subtag dropped when only the language is served (`pt-BR` → `pt`, `zh-Hans` → `zh`), as
 * LibreTranslate falls back from a variant to its language. Unknown codes pass through for the engine to refuse.
 */
export function servedLanguage(code: string, served: ReadonlySet<string>): string {
  const lower = code.trim().toLowerCase().replace(/_/g, '-');
  const candidates = [lower, libreAliases[lower], lower.split('-')[0]];
  return candidates.find((candidate) => candidate !== undefined && served.has(candidate)) ?? lower;
}

/** The segments to translate for each text, and how to put a text back together from their translations. */
export interface LibreTexts {
  segments: string[];
  /** The text for each `q`, from the translations of all segments in order. */
  assemble(translations: readonly string[]): string[];
}

export function libreTexts(texts: readonly string[], format: 'text' | 'html'): LibreTexts {
  if (format === 'text') return { segments: [...texts], assemble: (translations) => [...translations] };
  const documents = texts.map(htmlText);
  const segmentsPerText = documents.map((doc) => doc.texts.length);
  return {
    segments: documents.flatMap((doc) => doc.texts),
    assemble(translations) {
      let at = 0;
      return documents.map((doc, i) => doc.rebuild(translations.slice(at, (at += segmentsPerText[i]!))));
    },
  };
}
