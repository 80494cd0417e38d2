/**
 * A bounded, closed-loop load generator: `concurrency` clients over loopback, each sending its next
 * request as soon as the previous answer has been read in full, until all requests have been sent.
 * Node's fetch keeps connections alive, so each client reuses one socket.
 */

export interface LoadRequest {
  /** Relative to the server's base URL, e.g. `v1/translate`. */
  path: string;
  body: unknown;
  headers?: Record<string, string>;
}

export interface LoadOutcome {
  index: number;
  /** The HTTP status; 0 when no response came (connection refused or reset). */
  status: number;
  contentType: string | null;
  retryAfter: string | null;
  /** Parsed JSON when the body is JSON, else the text. */
  body: unknown;
  /** Why no response came. */
  error?: string;
  startedMs: number;
  latencyMs: number;
}

/** POSTs one JSON body and reads the whole answer. */
export async function post(baseUrl: string, request: LoadRequest): Promise<Omit<LoadOutcome, 'index'>> {
  const started = performance.now();
  const base = { startedMs: started, contentType: null, retryAfter: null, body: undefined };
  try {
    const res = await fetch(new URL(request.path, baseUrl), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...request.headers },
      body: JSON.stringify(request.body),
    });
    const text = await res.text();
    const contentType = res.headers.get('Content-Type');
    return {
      ...base,
      status: res.status,
      contentType,
      retryAfter: res.headers.get('Retry-After'),
      body: contentType?.includes('json') ? (JSON.parse(text) as unknown) : text,
      latencyMs: performance.now() - started,
    };
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return { ...base, status: 0, error: `${err instanceof Error ? err.message : String(err)}${cause}`, latencyMs: performance.now() - started };
  }
}

/** Sends every request exactly once, at most `concurrency` at a time; outcomes come back in request order. */
export async function runLoad(baseUrl: string, requests: readonly LoadRequest[], concurrency: number): Promise<LoadOutcome[]> {
  const outcomes: LoadOutcome[] = new Array(requests.length);
  let next = 0;
  const client = async () => {
    while (next < requests.length) {
      const index = next++;
      outcomes[index] = { index, ...(await post(baseUrl, requests[index]!)) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, client));
  return outcomes;
}

/** Outcomes counted by status, e.g. `{ 200: 412, 429: 530, 504: 58 }`; 0 counts requests that got no response. */
export function countByStatus(outcomes: readonly LoadOutcome[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const outcome of outcomes) counts[outcome.status] = (counts[outcome.status] ?? 0) + 1;
  return counts;
}

/** The value below which `p` percent of the values fall (nearest rank); undefined for no values. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** A seeded generator of numbers in [0, 1) (mulberry32), so that a load pattern can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** `count` distinct items of `pool`, in random order. */
export function pickDistinct<T>(pool: readonly T[], count: number, random: () => number): T[] {
  const copy = [...pool];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, count);
}

export interface HealthWatch {
  /** Stops polling; the status and latency of every /healthz poll made (status 0: no response). */
  stop(): Promise<{ status: number; latencyMs: number }[]>;
}

/** Polls `/healthz` every `everyMs` until stopped, one poll at a time. */
export function watchHealth(baseUrl: string, everyMs = 50): HealthWatch {
  const polls: { status: number; latencyMs: number }[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const started = performance.now();
      const status = await fetch(new URL('healthz', baseUrl)).then(
        async (res) => {
          await res.arrayBuffer();
          return res.status;
        },
        () => 0,
      );
      polls.push({ status, latencyMs: performance.now() - started });
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return polls;
    },
  };
}
