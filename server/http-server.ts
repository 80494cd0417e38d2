import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { HttpSettings } from './http-settings.ts';
import { securityHeaderValues } from './middleware/security-headers.ts';

export interface ListenOptions {
  fetch: Parameters<typeof serve>[0]['fetch'];
  port: number;
  hostname: string;
  http: HttpSettings;
  /** The largest body any route takes: a client that announces more and asks to continue gets 413 at once. */
  maxBodyBytes: number;
}

/** The 413 for `Expect: 100-continue` with a larger Content-Length: the client is told before it sends the body. */
function refuseBeforeBody(res: ServerResponse, maxBodyBytes: number): void {
  const body = JSON.stringify({
    type: 'about:blank',
    title: 'Content Too Large',
    status: 413,
    detail: `The request body is larger than ${maxBodyBytes} bytes.`,
  });
  res.writeHead(413, { ...securityHeaderValues, 'Content-Type': 'application/problem+json', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
  res.end(body);
}

/**
 * The HTTP server for the app: header and whole-request timeouts and a connection cap from `http`, and
 * `Expect: 100-continue` answered by the announced length (Node would send 100 Continue to anyone).
 */
export function listen(options: ListenOptions, onListening?: (info: AddressInfo) => void): Server {
  const { headersTimeoutMs, requestTimeoutMs, maxConnections } = options.http;
  const server = serve(
    {
      fetch: options.fetch,
      port: options.port,
      hostname: options.hostname,
      serverOptions: {
        headersTimeout: headersTimeoutMs,
        requestTimeout: requestTimeoutMs,
        // How often Node looks for expired requests (30 s by default, far coarser than the timeouts).
        connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeoutMs / 4))),
      },
    },
    onListening,
  ) as Server;
  server.maxConnections = maxConnections;
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const announced = Number(req.headers['content-length'] ?? 0);
    if (announced > options.maxBodyBytes) return refuseBeforeBody(res, options.maxBodyBytes);
    res.writeContinue();
    server.emit('request', req, res);
  });
  return server;
}
