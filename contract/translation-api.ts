import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { every } from 'hono/combine';
import { validator } from 'hono/validator';
import { z } from 'zod';

/**
 * The /v1 translation API as server and web both see it: request limits, the zod schemas of every body, and
 * the route chain itself, whose type the web's `hc` client takes. Nothing here imports Node, so the page's
 * tsconfig compiles it; the server supplies the handlers (keys, queue, engine) that need Node.
 */

/** Limits on one request, enforced at the HTTP edge and published in GET /v1/models. */
export interface RequestLimits {
  maxSegments: number;
  maxSegmentChars: number;
  maxBodyBytes: number;
}

export const defaultRequestLimits: RequestLimits = { maxSegments: 128, maxSegmentChars: 2000, maxBodyBytes: 2 ** 20 };

/** What a client may send in one request, as GET /v1/models tells it (for the caller that asked: its character budget counts). */
export const publishedLimitsSchema = z.object({
  maxSegments: z.number().int().min(1),
  maxSegmentChars: z.number().int().min(1),
  /** All segments of one request together. */
  maxCharsPerRequest: z.number().int().min(1),
});
export type PublishedLimits = z.infer<typeof publishedLimitsSchema>;

// A character takes at most 3 bytes in UTF-8 JSON (escapes aside); a tenth of the body is left for the JSON around the texts.
const BYTES_PER_CHAR = 3;
const TEXT_SHARE_OF_BODY = 0.9;

/** The limits a caller can rely on: the edge's, and the caller's characters a minute where it has a budget. */
export function publishedLimits(limits: RequestLimits, charsPerMinute?: number): PublishedLimits {
  const byBody = Math.max(1, Math.floor((limits.maxBodyBytes * TEXT_SHARE_OF_BODY) / BYTES_PER_CHAR));
  const maxCharsPerRequest = Math.min(limits.maxSegments * limits.maxSegmentChars, byBody, charsPerMinute ?? Infinity);
  return { maxSegments: limits.maxSegments, maxSegmentChars: limits.maxSegmentChars, maxCharsPerRequest };
}

/** What a client assumes of a server that has not published its limits (yet, or ever: older servers). */
export const unpublishedLimits: PublishedLimits = { maxSegments: 32, maxSegmentChars: 2000, maxCharsPerRequest: 16_000 };

/** ISO 639 codes as the manifest lists them ("en", "de"); whether a model knows one is the engine's call. */
export const languageCode = z.string().regex(/^[a-z]{2,3}$/, 'must be an ISO 639 code such as "en"');

export const deadlineMs = z.number().int('must be a whole number of milliseconds').min(1, 'must be at least 1 ms');

/** The widest beam search a server runs; each beam costs a sequence of its decode. */
export const maxBeams = 4;

export const beams = z.number().int('must be a whole number').min(1, 'must be at least 1').max(maxBeams, `must be at most ${maxBeams}`);

export function translateRequestSchema(limits: RequestLimits) {
  const segment = z.string().max(limits.maxSegmentChars, `must be at most ${limits.maxSegmentChars} characters`);
  return z.object({
    segments: z.array(segment).min(1, 'must not be empty').max(limits.maxSegments, `must have at most ${limits.maxSegments} segments`),
    source: languageCode,
    target: languageCode,
    model: z.string().min(1).max(200).optional(),
    deadlineMs: deadlineMs.optional(),
    /** Beam width (1: greedy); absent: the server's default. Needs a server with its own decode loop (SOTTO_DECODER=continuous). */
    beams: beams.optional(),
  });
}
export type TranslateRequestBody = z.infer<ReturnType<typeof translateRequestSchema>>;

export const serverCostSchema = z.object({ computeSeconds: z.number(), price: z.number(), currency: z.string() });
export type ServerCost = z.infer<typeof serverCostSchema>;

export const translateResponseSchema = z.object({
  translations: z.array(z.string()),
  model: z.object({ id: z.string(), version: z.string() }),
  timings: z.object({ queuedMs: z.number(), computeMs: z.number(), totalMs: z.number() }),
  cached: z.number(),
  /** What the request was billed; optional, as servers before pricing do not send it. */
  cost: serverCostSchema.optional(),
});
export type TranslateResponse = z.infer<typeof translateResponseSchema>;

/** RFC 9457 problem details, as every /v1 error is answered. */
export const problemSchema = z.object({
  type: z.string().optional(),
  title: z.string(),
  status: z.number(),
  detail: z.string().optional(),
});
export type Problem = z.infer<typeof problemSchema>;

export const serverModelSchema = z.object({
  id: z.string(),
  status: z.string(),
  /** The ONNX Runtime execution provider, once loaded: "cuda", "webgpu" or "cpu". */
  provider: z.string().optional(),
  languages: z.array(z.string()),
  /** A list, or 'any-to-any' among `languages`. */
  directions: z.union([z.literal('any-to-any'), z.array(z.object({ source: z.string(), target: z.string() }))]),
});
export type ServerModel = z.infer<typeof serverModelSchema>;

export const modelsResponseSchema = z.object({
  models: z.array(serverModelSchema),
  /** Absent from servers before limits were published. */
  limits: publishedLimitsSchema.optional(),
});
export type ModelsResponse = z.infer<typeof modelsResponseSchema>;

export const healthResponseSchema = z.object({ status: z.literal('ok'), uptimeSeconds: z.number(), version: z.string() });
export type HealthResponse = z.infer<typeof healthResponseSchema>;

export const readyResponseSchema = z.object({
  status: z.literal('ready'),
  models: z.array(z.object({ id: z.string(), version: z.string().optional(), provider: z.string().optional(), precision: z.string().optional() })),
  /** From the start to the first time ready, once that happened. */
  coldStartSeconds: z.number().optional(),
});
export type ReadyResponse = z.infer<typeof readyResponseSchema>;

/** GET /healthz (the process answers) and GET /readyz (ready for traffic, else a 503 problem). */
export function probeApi(handlers: { health(c: Context): HealthResponse; ready(c: Context): ReadyResponse | Response }) {
  return new Hono()
    .get('/healthz', (c) => c.json(handlers.health(c), 200))
    .get('/readyz', (c) => {
      const answer = handlers.ready(c);
      return answer instanceof Response ? answer : c.json(answer, 200);
    });
}

/** What the server plugs into the route chain: the parts that need Node (keys, quotas, the engine). */
export interface TranslationApiHandlers {
  /** Before every /v1 route: CORS, API keys, rate limits. */
  guard: MiddlewareHandler[];
  /** Before POST /v1/translate's body is parsed: media type, body size, deadline header. */
  bodyChecks: MiddlewareHandler[];
  /** The answer to a body the schema refused (422 problem). */
  invalid(c: Context, error: z.ZodError): Response;
  /** The translation, or an error response (problem JSON). */
  translate(c: Context, request: TranslateRequestBody): Promise<TranslateResponse | Response>;
  models(c: Context): ModelsResponse;
}

/** POST /v1/translate and GET /v1/models, in the order the server runs them. */
export function translationApi(limits: RequestLimits, handlers: TranslationApiHandlers) {
  const body = translateRequestSchema(limits);
  return new Hono()
    .use('/v1/*', every(...handlers.guard))
    .post(
      '/v1/translate',
      every(...handlers.bodyChecks),
      validator('json', (value, c) => {
        const parsed = body.safeParse(value);
        return parsed.success ? parsed.data : handlers.invalid(c, parsed.error);
      }),
      async (c) => {
        const answer = await handlers.translate(c, c.req.valid('json'));
        return answer instanceof Response ? answer : c.json(answer, 200);
      },
    )
    .get('/v1/models', (c) => c.json(handlers.models(c), 200));
}

/** Route types for the web's `hc` clients. */
export type TranslationApi = ReturnType<typeof translationApi>;
export type ProbeApi = ReturnType<typeof probeApi>;
