import type { PublishedLimits, ServerModel } from '../../contract/translation-api.ts';

/**
 * The web's side of the server's translation API, beside the contract both share (contract/translation-api.ts):
 * how a call can fail, what a probe learns, and the guard that keeps anything but text from being sent.
 */

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
  /** What one request may carry, where the server published it. */
  limits?: PublishedLimits;
}

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
