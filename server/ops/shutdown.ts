import type { IncomingMessage, ServerResponse } from 'node:http';
import { createMiddleware } from 'hono/factory';
import { problem } from '../problem.ts';
import { logRecord, type LogSink } from './request-log.ts';

/** Whether the server is draining for shutdown: /readyz answers 503 and new requests are refused. */
export class Drain {
  #draining = false;

  get draining(): boolean {
    return this.#draining;
  }

  begin(): void {
    this.#draining = true;
  }
}

// Another instance can take the request at once.
const retryAfterSeconds = 1;

/** 503 problem+json, with Retry-After, for requests that arrive while the server drains (on a kept-alive connection). */
export function rejectWhileDraining(drain: Drain) {
  return createMiddleware(async function rejectWhileDrainingMiddleware(c, next) {
    if (!drain.draining) return next();
    c.header('Retry-After', String(retryAfterSeconds));
    c.header('Connection', 'close');
    return problem(c, 503, 'Shutting Down', 'This server is shutting down; retry the request.');
  });
}

/** The parts of a Node HTTP server that a graceful shutdown needs. */
export interface DrainableServer {
  close(callback?: (err?: Error) => void): unknown;
  closeAllConnections(): void;
  on(event: 'request', listener: (req: IncomingMessage, res: ServerResponse) => void): unknown;
}

export interface ShutdownOptions {
  server: DrainableServer;
  drain: Drain;
  /** Fails the translations still waiting (503) and stops the inference workers. */
  stopWork: () => Promise<void>;
  graceMs: number;
  log: LogSink;
}

// After the grace period, how long the 503s for what was left get to reach their clients.
const flushMs = 1000;

/**
 * Drains the server: stops listening, refuses new requests, lets those in progress finish within the grace
 * period, then stops the workers. Requests are counted from arrival to the end of their response, so that
 * "finished" means the answer has been written, not just computed.
 */
export class GracefulShutdown {
  #active = 0;
  readonly #idleWaiters = new Set<() => void>();

  constructor(private readonly options: ShutdownOptions) {
    options.server.on('request', (_req, res) => {
      this.#active += 1;
      res.once('close', () => {
        this.#active -= 1;
        if (this.#active === 0) for (const wake of this.#idleWaiters) wake();
      });
    });
  }

  get activeRequests(): number {
    return this.#active;
  }

  /** Resolves with the exit code: 0 when everything in progress was answered in time, 1 when some was cut off. */
  async run(reason: string): Promise<number> {
    const { server, drain, stopWork, graceMs, log } = this.options;
    const started = performance.now();
    drain.begin();
    server.close();
    log(logRecord('info', 'draining', { reason, activeRequests: this.#active, graceMs }));
    const drained = await this.#whenIdle(graceMs);
    if (!drained) log(logRecord('warn', 'grace period over; failing what is left', { activeRequests: this.#active }));
    await stopWork();
    if (!drained) await this.#whenIdle(flushMs);
    server.closeAllConnections();
    log(logRecord(drained ? 'info' : 'warn', 'stopped', { drained, ms: Math.round(performance.now() - started) }));
    return drained ? 0 : 1;
  }

  #whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.#active === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (idle: boolean) => {
        clearTimeout(timer);
        this.#idleWaiters.delete(wake);
        resolve(idle);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.#idleWaiters.add(wake);
    });
  }
}
