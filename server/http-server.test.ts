import { once } from 'node:events';
import type { Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { listen } from './http-server.ts';
import type { HttpSettings } from './http-settings.ts';

/** The HTTP server on raw sockets: what a well-behaved fetch() never shows (interim answers, stalls). */

// A body cut off by the request timeout fails to read; the client is gone by then.
const app = new Hono().post('/', async (c) => c.json({ bytes: (await c.req.arrayBuffer().catch(() => new ArrayBuffer(0))).byteLength }, 200));
const servers: Server[] = [];

async function start(http: Partial<HttpSettings> = {}): Promise<number> {
  const server = listen({
    fetch: app.fetch,
    port: 0,
    hostname: '127.0.0.1',
    http: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, maxConnections: 100, ...http },
    maxBodyBytes: 100,
  });
  servers.push(server);
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A socket that collects what the server sends, with `until` to wait for a text or the close. */
async function open(port: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let received = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  socket.on('close', () => (closed = true));
  socket.on('error', () => {});
  const until = async (done: () => boolean) => {
    while (!done()) await new Promise((resolve) => setTimeout(resolve, 10));
  };
  return { socket, received: () => received, closed: () => closed, until };
}

const head = (length: number, extra = '') => `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: ${length}\r\n${extra}\r\n`;

describe('Expect: 100-continue', () => {
  it('answers a body announced over the limit with 413 at once, never 100 Continue', async () => {
    const client = await open(await start());
    client.socket.write(head(5000, 'Expect: 100-continue\r\n'));
    await client.until(() => client.closed());
    expect(client.received()).toMatch(/^HTTP\/1\.1 413 /);
    expect(client.received()).not.toContain('100 Continue');
    expect(client.received()).toContain('"status":413');
  });

  it('lets a body within the limit continue', async () => {
    const client = await open(await start());
    client.socket.write(head(5, 'Expect: 100-continue\r\n'));
    await client.until(() => client.received().includes('100 Continue'));
    client.socket.write('hello');
    await client.until(() => client.received().includes('{"bytes":5}'));
    expect(client.received()).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    client.socket.destroy();
  });
});

describe('timeouts and the connection cap', () => {
  it('cuts off a client that sends its headers too slowly, with 408', async () => {
    const client = await open(await start({ headersTimeoutMs: 200, requestTimeoutMs: 5000 }));
    client.socket.write('POST / HTTP/1.1\r\nHost: x\r\n');
    await client.until(() => client.closed());
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('cuts off a client that stalls in the middle of its body, with 408', async () => {
    const client = await open(await start({ headersTimeoutMs: 200, requestTimeoutMs: 300 }));
    client.socket.write(`${head(10)}12345`);
    await client.until(() => client.closed());
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes connections past SOTTO_MAX_CONNECTIONS as they arrive, and serves the others', async () => {
    const port = await start({ maxConnections: 2 });
    const [first, second] = [await open(port), await open(port)];
    const third = await open(port);
    await third.until(() => third.closed());
    expect(third.received()).toBe('');
    first.socket.write(`${head(2)}ok`);
    await first.until(() => first.received().includes('{"bytes":2}'));
    expect(second.closed()).toBe(false);
    first.socket.destroy();
    second.socket.destroy();
  });
});
