import { z } from 'zod';
import { readEnvSettings } from './env-settings.ts';
import { wholeNumber } from './translation/settings.ts';

/** How long a client may take to send a request, and how many connections the server holds open at once. */
export interface HttpSettings {
  /** To receive the request line and headers; slow-header clients (Slowloris) are cut off after it. */
  headersTimeoutMs: number;
  /** To receive the whole request, body included; the answer may take longer (the deadline bounds that). */
  requestTimeoutMs: number;
  /** Connections past it are closed as they arrive. */
  maxConnections: number;
}

export const httpEnvNames = {
  headersTimeoutMs: 'SOTTO_HEADERS_TIMEOUT_MS',
  requestTimeoutMs: 'SOTTO_REQUEST_TIMEOUT_MS',
  maxConnections: 'SOTTO_MAX_CONNECTIONS',
} as const;

const httpDefaults: Record<keyof typeof httpEnvNames, string> = { headersTimeoutMs: '10000', requestTimeoutMs: '30000', maxConnections: '1024' };

const schema = z
  .object({ headersTimeoutMs: wholeNumber(1), requestTimeoutMs: wholeNumber(1), maxConnections: wholeNumber(1) })
  // Node refuses a headers timeout longer than the request timeout.
  // Zod runs it even when a field failed: only two numbers are compared.
  .refine(({ headersTimeoutMs: h, requestTimeoutMs: r }) => typeof h !== 'number' || typeof r !== 'number' || h <= r, {
    message: `must not exceed ${httpEnvNames.requestTimeoutMs}`,
    path: ['headersTimeoutMs'],
  });

export type ParsedHttpSettings = { ok: true; settings: HttpSettings } | { ok: false; problems: string[] };

/** Reads the HTTP server variables (empty ones count as unset); `problems` has one `NAME="value": message` line each. */
export function parseHttpSettings(env: Record<string, string | undefined>): ParsedHttpSettings {
  const read = readEnvSettings(httpEnvNames, httpDefaults, schema, env);
  return read.ok ? { ok: true, settings: read.value } : read;
}
