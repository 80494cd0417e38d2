import { hc } from 'hono/client';
import {
  modelsResponseSchema,
  problemSchema,
  translateResponseSchema,
  unpublishedLimits,
  type ProbeApi,
  type PublishedLimits,
  type ServerCost,
  type TranslateRequestBody,
  type TranslateResponse,
  type TranslationApi,
} from '../../contract/translation-api.ts';
import { assertTextOnly, BinaryPayloadError, type ServerFailure, type ServerProbe } from '../shared/server-calls.ts';
import { AbortError } from '../shared/abort-error.ts';
import { childSpan, formatTraceparent, newTrace, type TraceContext } from '../../contract/traceparent.ts';

/** Request and response body bytes of every HTTP request made, retries included, for the data ledger. */
export interface ServerTraffic {
  bytesSent: number;
  bytesReceived: number;
  requests: number;
}

export interface ServerTranslation {
  /** Translations of the leading segments, in order: all of them unless `failure` says why the rest are missing. */
  translations: string[];
  failure?: ServerFailure;
  model?: TranslateResponse['model'];
  /** Round trip of the last successful request. */
  latencyMs?: number;
  traffic: ServerTraffic;
  /** What the server billed for the answered requests, where it said. */
  cost?: ServerCost;
}

export interface ServerTranslatorOptions {
  /** Where the server is: the page's own origin in the app. */
  baseUrl: string;
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  /** Caps below the limits the server publishes in /v1/models (which apply once a probe read them). */
  maxSegmentsPerRequest?: number;
  maxCharsPerRequest?: number;
  maxAttempts?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  probeTimeoutMs?: number;
}

export interface TranslateOptions {
  /** The time the whole call may take, retries and waits included. */
  deadlineMs: number;
  signal?: AbortSignal;
  model?: string;
}

type Outcome = { response: TranslateResponse; latencyMs: number } | { failure: ServerFailure };

const encoder = new TextEncoder();

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(new AbortError())), { once: true });
  });
}

/** Retry-After as epoch ms: delay-seconds or an HTTP date; undefined when absent or malformed. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return now + Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(now, date);
}

/** Splits segments into requests of at most `maxSegments` segments and (unless one segment alone is longer) `maxChars` characters. */
export function batches(segments: readonly string[], maxSegments: number, maxChars: number): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  let chars = 0;
  for (const segment of segments) {
    if (current.length > 0 && (current.length >= maxSegments || chars + segment.length > maxChars)) {
      out.push(current);
      current = [];
      chars = 0;
    }
    current.push(segment);
    chars += segment.length;
  }
  if (current.length > 0) out.push(current);
  return out;
}

function addCost(total: ServerCost | undefined, cost: ServerCost): ServerCost {
  if (!total) return cost;
  return { computeSeconds: total.computeSeconds + cost.computeSeconds, price: total.price + cost.price, currency: cost.currency };
}

const isTimeout = (error: unknown) => error instanceof Error && error.name === 'TimeoutError';

/** The client for the server's /v1 translation API: text only, batched, retried within a deadline, every byte counted. */
export class ServerTranslator {
  private readonly client: ReturnType<typeof hc<TranslationApi>>;
  private readonly probes: ReturnType<typeof hc<ProbeApi>>;
  /** The server's limits, from the last probe that listed them. */
  private serverLimits: PublishedLimits = unpublishedLimits;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly limits: Required<Omit<ServerTranslatorOptions, 'baseUrl' | 'fetch' | 'now' | 'sleep' | 'random' | 'maxSegmentsPerRequest' | 'maxCharsPerRequest'>>;
  private readonly caps: Pick<ServerTranslatorOptions, 'maxSegmentsPerRequest' | 'maxCharsPerRequest'>;

  constructor(options: ServerTranslatorOptions) {
    this.client = hc<TranslationApi>(options.baseUrl);
    this.probes = hc<ProbeApi>(options.baseUrl);
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? abortableSleep;
    this.random = options.random ?? Math.random;
    this.caps = { maxSegmentsPerRequest: options.maxSegmentsPerRequest, maxCharsPerRequest: options.maxCharsPerRequest };
    this.limits = {
      maxAttempts: options.maxAttempts ?? 4,
      backoffBaseMs: options.backoffBaseMs ?? 250,
      backoffMaxMs: options.backoffMaxMs ?? 4_000,
      probeTimeoutMs: options.probeTimeoutMs ?? 5_000,
    };
  }

  async translate(segments: readonly string[], source: string, target: string, options: TranslateOptions): Promise<ServerTranslation> {
    assertTextOnly({ segments, source, target });
    const deadlineAt = this.now() + options.deadlineMs;
    const result: ServerTranslation = { translations: [], traffic: { bytesSent: 0, bytesReceived: 0, requests: 0 } };
    const maxSegments = Math.min(this.serverLimits.maxSegments, this.caps.maxSegmentsPerRequest ?? Infinity);
    const maxChars = Math.min(this.serverLimits.maxCharsPerRequest, this.caps.maxCharsPerRequest ?? Infinity);
    // One trace per call; each attempt is a span of it, so the server's logs tie retries together.
    const trace = newTrace();
    for (const batch of batches(segments, maxSegments, maxChars)) {
      const body: TranslateRequestBody = { segments: batch, source, target, ...(options.model ? { model: options.model } : {}) };
      const outcome = await this.send(body, deadlineAt, result.traffic, trace, options.signal);
      if ('failure' in outcome) return { ...result, failure: outcome.failure };
      const { translations, model, cost } = outcome.response;
      result.translations.push(...translations);
      result.model = model;
      result.latencyMs = outcome.latencyMs;
      if (cost) result.cost = addCost(result.cost, cost);
    }
    return result;
  }

  /** Readiness from /readyz, or /healthz where /readyz is not served (404), and the models from /v1/models. */
  async probe(signal?: AbortSignal): Promise<ServerProbe> {
    const started = this.now();
    const init = { signal: AbortSignal.any([AbortSignal.timeout(this.limits.probeTimeoutMs), ...(signal ? [signal] : [])]) };
    const options = { fetch: this.fetch, init };
    try {
      let health: Response = await this.probes.readyz.$get(undefined, options);
      if (health.status === 404) health = await this.probes.healthz.$get(undefined, options);
      const latencyMs = this.now() - started;
      if (!health.ok) return { reachable: true, ready: false, latencyMs };
      const listed = await this.client.v1.models.$get(undefined, options);
      const listing = listed.ok ? modelsResponseSchema.safeParse(await listed.json()) : undefined;
      if (!listing?.success) return { reachable: true, ready: true, latencyMs };
      const { models, limits } = listing.data;
      if (limits) this.serverLimits = limits;
      return { reachable: true, ready: true, latencyMs, models, ...(limits ? { limits } : {}) };
    } catch {
      if (signal?.aborted) throw new AbortError();
      return { reachable: false, ready: false };
    }
  }

  /** One request, retried on network errors, 429 and 503 while the deadline allows. */
  private async send(body: TranslateRequestBody, deadlineAt: number, traffic: ServerTraffic, trace: TraceContext, signal?: AbortSignal): Promise<Outcome> {
    for (let attempt = 1; ; attempt += 1) {
      const started = this.now();
      const remaining = Math.ceil(deadlineAt - started);
      if (remaining <= 0) return { failure: { kind: 'slow', elapsedMs: 0, message: 'the deadline passed before the request could be sent' } };
      const init = { signal: AbortSignal.any([AbortSignal.timeout(remaining), ...(signal ? [signal] : [])]) };
      let response;
      try {
        // The server gets the same deadline, so it stops working on a request nobody waits for.
        const headers = { traceparent: formatTraceparent(childSpan(trace)) };
        response = await this.client.v1.translate.$post({ json: { ...body, deadlineMs: remaining } }, { fetch: this.counting(traffic), init, headers });
      } catch (error) {
        if (signal?.aborted) throw new AbortError();
        if (error instanceof BinaryPayloadError) throw error;
        const elapsedMs = this.now() - started;
        if (isTimeout(error)) return { failure: { kind: 'slow', elapsedMs, message: `no answer within ${remaining} ms` } };
        const failure: ServerFailure = { kind: 'unreachable', message: `the server cannot be reached (${error instanceof Error ? error.message : String(error)})` };
        if (!(await this.wait(this.backoff(attempt), attempt, deadlineAt, signal))) return { failure };
        continue;
      }
      const latencyMs = this.now() - started;
      if (response.status === 200) {
        const parsed = translateResponseSchema.safeParse(await response.json());
        if (parsed.success && parsed.data.translations.length === body.segments.length) return { response: parsed.data, latencyMs };
        return { failure: { kind: 'refused', status: 200, title: 'Malformed Response', message: 'the server answered with an unexpected body' } };
      }
      const problem = problemSchema.safeParse(await response.json().catch(() => undefined));
      const title = problem.success ? problem.data.title : response.statusText || `HTTP ${response.status}`;
      if (response.status === 401) return { failure: { kind: 'refused', status: 401, title, message: 'the server requires an API key (401 Unauthorized)' } };
      if (response.status === 504) return { failure: { kind: 'slow', elapsedMs: latencyMs, message: 'the server gave up at the deadline' } };
      if (response.status !== 429 && response.status !== 503) {
        const detail = problem.success && problem.data.detail ? `: ${problem.data.detail}` : '';
        return { failure: { kind: 'refused', status: response.status, title, message: `the server refused the request (${response.status} ${title}${detail})` } };
      }
      const now = this.now();
      const retryAt = parseRetryAfter(response.headers.get('Retry-After'), now) ?? now + this.backoff(attempt);
      if (!(await this.wait(retryAt - now, attempt, deadlineAt, signal))) {
        const until = Math.max(retryAt, now + 1_000);
        return { failure: { kind: 'overloaded', retryAfterUntil: until, message: `the server is overloaded until ${new Date(until).toISOString()} (${title})` } };
      }
    }
  }

  /** Waits before the next attempt; false when there is none: attempts used up, or the wait would pass the deadline. */
  private async wait(ms: number, attempt: number, deadlineAt: number, signal?: AbortSignal): Promise<boolean> {
    if (attempt >= this.limits.maxAttempts || this.now() + ms >= deadlineAt) return false;
    await this.sleep(ms, signal);
    return true;
  }

  /** Exponential backoff with "equal jitter": half the step fixed, half random, so retries from many clients spread out. */
  private backoff(attempt: number): number {
    const step = Math.min(this.limits.backoffMaxMs, this.limits.backoffBaseMs * 2 ** (attempt - 1));
    return Math.round(step / 2 + (this.random() * step) / 2);
  }

  /** A fetch that refuses any body that is not text (a last guard) and counts the bytes each way. */
  private counting(traffic: ServerTraffic): typeof fetch {
    return async (input, init) => {
      const body = init?.body;
      if (body !== undefined && body !== null && typeof body !== 'string') throw new BinaryPayloadError('Refusing to send a request body that is not text');
      traffic.requests += 1;
      // Counted when handed to fetch: for a request that then fails, an upper bound of what left the device.
      traffic.bytesSent += body ? encoder.encode(body).byteLength : 0;
      const response = await this.fetch(input, init);
      const bytes = await response.arrayBuffer();
      traffic.bytesReceived += bytes.byteLength;
      return new Response(bytes, { status: response.status, statusText: response.statusText, headers: response.headers });
    };
  }
}
