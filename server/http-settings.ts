import { readSettings, setting, type SettingsResult } from './settings/setting.ts';
import { wholeNumber } from './settings/schemas.ts';

/** How long a client may take to send a request, and how many connections the server holds open at once. */
export interface HttpSettings {
  /** To receive the request line and headers; slow-header clients (Slowloris) are cut off after it. */
  headersTimeoutMs: number;
  /** To receive the whole request, body included; the answer may take longer (the deadline bounds that). */
  requestTimeoutMs: number;
  /** Connections past it are closed as they arrive. */
  maxConnections: number;
}

export const httpSettings = {
  headersTimeoutMs: setting({
    env: 'SOTTO_HEADERS_TIMEOUT_MS',
    default: '10000',
    schema: wholeNumber(1),
    doc: 'how long a client may take to send the request line and headers (then 408 and the connection is closed)',
  }),
  requestTimeoutMs: setting({
    env: 'SOTTO_REQUEST_TIMEOUT_MS',
    default: '30000',
    schema: wholeNumber(1),
    doc: 'how long a client may take to send the whole request, body included (not the answer); at least `SOTTO_HEADERS_TIMEOUT_MS`',
  }),
  maxConnections: setting({
    env: 'SOTTO_MAX_CONNECTIONS',
    default: '1024',
    schema: wholeNumber(1),
    doc: 'open connections at once; those past it are closed as they arrive',
  }),
};

/** Reads the HTTP server variables (empty ones count as unset); `problems` has one `NAME="value": message` line each. */
export function parseHttpSettings(env: Record<string, string | undefined>): SettingsResult<HttpSettings> {
  const reading = readSettings(httpSettings, env);
  const { headersTimeoutMs, requestTimeoutMs } = reading.values;
  // Node refuses a headers timeout longer than the request timeout.
  if (headersTimeoutMs !== undefined && requestTimeoutMs !== undefined && headersTimeoutMs > requestTimeoutMs) {
    reading.report('headersTimeoutMs', `must not exceed ${httpSettings.requestTimeoutMs.env}`);
  }
  return reading.result((values) => values);
}
