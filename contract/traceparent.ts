/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) `traceparent` headers: parsed strictly,
 * generated with a fresh span id. No dependencies, so the page, the workers and the server share it.
 */

export interface TraceContext {
  /** 32 lowercase hex digits, not all zero. */
  traceId: string;
  /** 16 lowercase hex digits, not all zero: the span that sent the request. */
  parentId: string;
  /** 2 hex digits; bit 0 is "sampled". */
  flags: string;
}

export type RandomBytes = (bytes: Uint8Array) => Uint8Array;

const defaultRandom: RandomBytes = (bytes) => crypto.getRandomValues(bytes);

const version00 = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
// A later version must start the same way; anything after the flags follows a dash.
const laterVersion = /^(?!ff)[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;

const allZero = (hex: string) => /^0+$/.test(hex);

/** The trace a request belongs to, or undefined when the header is absent or invalid (then a new trace starts). */
export function parseTraceparent(header: string | null | undefined): TraceContext | undefined {
  if (!header) return undefined;
  const value = header.trim();
  const match = value.startsWith('00-') ? version00.exec(value) : laterVersion.exec(value);
  if (!match) return undefined;
  const [, traceId, parentId, flags] = match as unknown as [string, string, string, string];
  if (allZero(traceId) || allZero(parentId)) return undefined;
  return { traceId, parentId, flags };
}

export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.parentId}-${context.flags}`;
}

function randomHex(byteCount: number, random: RandomBytes): string {
  for (;;) {
    const hex = Array.from(random(new Uint8Array(byteCount)), (byte) => byte.toString(16).padStart(2, '0')).join('');
    if (!allZero(hex)) return hex;
  }
}

export function newSpanId(random: RandomBytes = defaultRandom): string {
  return randomHex(8, random);
}

/** A new trace with one span; sampled, since Sotto logs every request with its trace id. */
export function newTrace(random: RandomBytes = defaultRandom): TraceContext {
  return { traceId: randomHex(16, random), parentId: newSpanId(random), flags: '01' };
}

/** The same trace, continued by a new span (ours), keeping the caller's flags. */
export function childSpan(parent: TraceContext, random: RandomBytes = defaultRandom): TraceContext {
  return { ...parent, parentId: newSpanId(random) };
}

/** A `traceparent` header value for a request that starts a new trace, e.g. a translation request from the page. */
export function newTraceparent(random: RandomBytes = defaultRandom): string {
  return formatTraceparent(newTrace(random));
}
