import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { routePath } from 'hono/route';
import { childSpan, formatTraceparent, newTrace, parseTraceparent, type TraceContext } from '../../contract/traceparent.ts';
import { apiKeyOf } from './cost.ts';

const requestIdHeader = 'X-Request-Id';
const traceparentHeader = 'traceparent';

// What proxies and clients commonly send (UUIDs, hex, base64-ish ids); anything else is replaced, never logged.
const acceptableRequestId = /^[\w.:@=+/-]{1,128}$/;

declare module 'hono' {
  interface ContextVariableMap {
    requestId: string;
    /** This server's span: the caller's trace id (or a new one) and a new span id. */
    trace: TraceContext;
  }
}

export interface LogRecord {
  time: string;
  level: 'info' | 'warn' | 'error';
  msg: string;
  [field: string]: unknown;
}

/** Where structured log lines go: one JSON object per line on stdout, unless a test collects them. */
export type LogSink = (record: LogRecord) => void;

export const stdoutLog: LogSink = (record) => {
  process.stdout.write(`${JSON.stringify(record)}\n`);
};

export function logRecord(level: LogRecord['level'], msg: string, fields: Record<string, unknown> = {}): LogRecord {
  return { time: new Date().toISOString(), level, msg, ...fields };
}

/** The caller's request id when it is one we can log safely, else a new one. */
export function acceptRequestId(header: string | undefined): string {
  return header !== undefined && acceptableRequestId.test(header) ? header : crypto.randomUUID();
}

function levelOf(status: number): LogRecord['level'] {
  return status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
}

export interface RequestLogOptions {
  sink?: LogSink;
  /** Route patterns not logged: probes and scrapes, which come every few seconds (/readyz fails by design while loading). */
  quietRoutes?: readonly string[];
}

/**
 * Gives each request an id (from X-Request-Id, or new) and a span in the caller's W3C trace (or a new trace),
 * echoes both in the response headers, and logs one JSON line per request. No text of a translation is logged.
 */
export function requestLog({ sink = stdoutLog, quietRoutes = [] }: RequestLogOptions = {}) {
  return createMiddleware(async function requestLogMiddleware(c, next) {
    const started = performance.now();
    const requestId = acceptRequestId(c.req.header(requestIdHeader));
    const parent = parseTraceparent(c.req.header(traceparentHeader));
    const trace = parent ? childSpan(parent) : newTrace();
    c.set('requestId', requestId);
    c.set('trace', trace);
    await next();
    c.header(requestIdHeader, requestId);
    c.header(traceparentHeader, formatTraceparent(trace));
    const route = routePath(c);
    if (quietRoutes.includes(route)) return;
    const status = c.res.status;
    sink(
      logRecord(levelOf(status), 'request', {
        requestId,
        method: c.req.method,
        route,
        status,
        ms: Math.round(performance.now() - started),
        ...translationFields(c),
        traceId: trace.traceId,
        spanId: trace.parentId,
      }),
    );
  });
}

function translationFields(c: Context): Record<string, unknown> {
  const usage = c.get('translationUsage');
  if (!usage) return {};
  return {
    model: usage.model.id,
    version: usage.model.version,
    segments: usage.segments,
    cached: usage.cached,
    computeMs: usage.timings.computeMs,
    key: apiKeyOf(c),
  };
}
