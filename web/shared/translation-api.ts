import type { Hono } from 'hono';
import { z } from 'zod';

/**
 * The web's view of the server's translation API. The server's route type cannot come here: its
 * modules import node:os and node:crypto, which the web's tsconfig has no types for (and it widens
 * 200 bodies to {} anyway). So the contract is written out for `hc`, responses are checked at run time
 * with these zod schemas, and e2e/device-translation.test.ts, compiled with the server's tsconfig,
 * checks it against the route's request schema and the service types the routes send.
 */

export interface TranslateRequestBody {
  segments: string[];
  source: string;
  target: string;
  model?: string;
  deadlineMs?: number;
}

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

export const modelsResponseSchema = z.object({
  models: z.array(
    z.object({
      id: z.string(),
      status: z.string(),
      /** The ONNX Runtime execution provider, once loaded: "cuda", "webgpu" or "cpu". */
      provider: z.string().optional(),
      languages: z.array(z.string()),
      /** A list, or 'any-to-any' among `languages`. */
      directions: z.union([z.literal('any-to-any'), z.array(z.object({ source: z.string(), target: z.string() }))]),
    }),
  ),
});
export type ServerModel = z.infer<typeof modelsResponseSchema>['models'][number];

/** Why the server did not translate (all of) a request. */
export type ServerFailure =
  | { kind: 'unreachable'; message: string }
  /** 429 or 503 asked us to come back at `retryAfterUntil` (epoch ms), later than the caller could wait. */
  | { kind: 'overloaded'; retryAfterUntil: number; message: string }
  /** The deadline passed (ours, or the server's 504). */
  | { kind: 'slow'; elapsedMs: number; message: string }
  | { kind: 'refused'; status: number; title: string; message: string };

export interface ServerProbe {
  reachable: boolean;
  ready: boolean;
  latencyMs?: number;
  /** The server's models, where it listed them. */
  models?: ServerModel[];
}

type Json<Input, Output, Status extends number> = { input: Input; output: Output; outputFormat: 'json'; status: Status };
type ProblemStatus = 400 | 401 | 404 | 413 | 415 | 422 | 429 | 500 | 503 | 504;
type NoInput = Record<never, never>;

export type TranslationRoutes = Hono<
  NoInput,
  {
    '/v1/translate': {
      $post: Json<{ json: TranslateRequestBody }, TranslateResponse, 200> | Json<{ json: TranslateRequestBody }, Problem, ProblemStatus>;
    };
    '/v1/models': { $get: Json<NoInput, z.infer<typeof modelsResponseSchema>, 200> };
    '/healthz': { $get: Json<NoInput, { status: 'ok' }, 200> };
    /** Not served yet: a 404 means "ask /healthz". */
    '/readyz': { $get: Json<NoInput, { status: string }, 200> | Json<NoInput, Problem, 404 | 503> };
  },
  '/'
>;

export class BinaryPayloadError extends Error {
  override name = 'BinaryPayloadError';
}

function binaryIn(value: unknown, path: string, seen: Set<object>): string | undefined {
  if (value instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer)) return `${path} is an ArrayBuffer`;
  if (ArrayBuffer.isView(value)) return `${path} is a ${value.constructor.name}`;
  if (typeof Blob !== 'undefined' && value instanceof Blob) return `${path} is a Blob`;
  if (typeof value !== 'object' || value === null || seen.has(value)) return undefined;
  seen.add(value);
  for (const [key, child] of Object.entries(value)) {
    const found = binaryIn(child, `${path}.${key}`, seen);
    if (found) return found;
  }
  return undefined;
}

/**
 * The second guard against audio leaving the device (the first: no code path hands audio to the
 * server client). Throws before anything is sent unless every segment is a string and the payload
 * holds no ArrayBuffer, typed array, DataView or Blob anywhere.
 */
export function assertTextOnly(body: unknown): asserts body is { segments: string[] } {
  const segments = (body as { segments?: unknown } | null)?.segments;
  if (!Array.isArray(segments)) throw new BinaryPayloadError('Refusing to send: the segments are not a list of text');
  const notText = segments.findIndex((segment) => typeof segment !== 'string');
  if (notText >= 0) throw new BinaryPayloadError(`Refusing to send: segment ${notText} is not text`);
  const binary = binaryIn(body, 'body', new Set());
  if (binary) throw new BinaryPayloadError(`Refusing to send binary data: ${binary}; only text leaves this device`);
}
