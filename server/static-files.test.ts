import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { loadConfig } from './config.ts';
import { contentTypeFor, parseRequestPath } from './static-files.ts';

describe('parseRequestPath', () => {
  it('decodes each segment once', () => {
    expect(parseRequestPath('a/b%20c/d.onnx')).toEqual({ kind: 'ok', segments: ['a', 'b c', 'd.onnx'] });
    expect(parseRequestPath('%2525')).toEqual({ kind: 'ok', segments: ['%25'] });
    expect(parseRequestPath('')).toEqual({ kind: 'ok', segments: [] });
    expect(parseRequestPath('dir/')).toEqual({ kind: 'ok', segments: ['dir'] });
  });

  it.each(['..', '../x', 'a/../b', '.', '%2e%2e', '%2E%2E/x', '..%2fx', '..%5cx', 'a\\b', '/etc/passwd', 'a//b', '%2fetc', 'x%00', '%E0%A4%A'])(
    'rejects %s',
    (raw) => {
      expect(parseRequestPath(raw)).toEqual({ kind: 'bad' });
    },
  );

  it('marks dotfiles as hidden', () => {
    expect(parseRequestPath('.env')).toEqual({ kind: 'hidden' });
    expect(parseRequestPath('a/.git/config')).toEqual({ kind: 'hidden' });
  });
});

describe('contentTypeFor', () => {
  it.each([
    ['x.wasm', 'application/wasm'],
    ['x.mjs', 'text/javascript; charset=utf-8'],
    ['x.JS', 'text/javascript; charset=utf-8'],
    ['x.onnx', 'application/octet-stream'],
    ['x.json', 'application/json; charset=utf-8'],
    ['x.css', 'text/css; charset=utf-8'],
    ['x.svg', 'image/svg+xml'],
    ['x.png', 'image/png'],
    ['x.webmanifest', 'application/manifest+json'],
    ['x.txt', 'text/plain; charset=utf-8'],
    ['x.unknown', 'application/octet-stream'],
  ])('%s → %s', (file, type) => {
    expect(contentTypeFor(file)).toBe(type);
  });
});

describe('over real HTTP', () => {
  const bigSize = 8 * 1024 * 1024 + 3;
  const script = 'console.log("precompressed");\n'.repeat(200);
  let tmp: string;
  let server: ServerType;
  let port: number;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'sotto-http-'));
    const dist = path.join(tmp, 'dist');
    await mkdir(path.join(dist, 'ort'), { recursive: true });
    await writeFile(path.join(dist, 'index.html'), '<!doctype html>');
    await writeFile(path.join(dist, 'ort/big.wasm'), new Uint8Array(bigSize).fill(7));
    await writeFile(path.join(tmp, 'secret'), 'TOP SECRET');
    await writeFile(path.join(dist, 'app.js'), script);
    await writeFile(path.join(dist, 'app.js.br'), brotliCompressSync(script));
    await writeFile(path.join(dist, 'app.js.gz'), gzipSync(script));
    // A sibling older than its file is a leftover of an earlier build.
    await writeFile(path.join(dist, 'stale.js'), script);
    await writeFile(path.join(dist, 'stale.js.gz'), gzipSync('old'));
    await utimes(path.join(dist, 'stale.js.gz'), new Date(2020, 0, 1), new Date(2020, 0, 1));
    const app = createApp(loadConfig({ SOTTO_DIST_DIR: dist, SOTTO_MODELS_DIR: path.join(tmp, 'models') }));
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
        port = info.port;
        resolve();
      });
    });
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(tmp, { recursive: true, force: true });
  });

  function rawRequest(target: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
      });
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString('latin1')));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
  }

  it('streams a large wasm file with its length', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/ort/big.wasm`);
    expect(res.headers.get('Content-Type')).toBe('application/wasm');
    expect(res.headers.get('Content-Length')).toBe(String(bigSize));
    expect(res.headers.get('Cross-Origin-Embedder-Policy')).toBe('require-corp');
    expect((await res.arrayBuffer()).byteLength).toBe(bigSize);
  });

  it('answers HEAD with Content-Length and no body', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/ort/big.wasm`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Length')).toBe(String(bigSize));
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it.each([
    ['gzip, deflate, br', 'br'],
    ['gzip, deflate', 'gzip'],
    ['identity', null],
  ] as const)('with Accept-Encoding %j serves the %s sibling of a built file, as the file would read', async (accept, encoding) => {
    const res = await fetch(`http://127.0.0.1:${port}/app.js`, { headers: { 'Accept-Encoding': accept } });
    expect(res.headers.get('Content-Encoding')).toBe(encoding);
    expect(res.headers.get('Content-Type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('Vary')).toBe('Accept-Encoding');
    expect(Number(res.headers.get('Content-Length'))).toBe(encoding === 'br' ? brotliCompressSync(script).length : encoding === 'gzip' ? gzipSync(script).length : script.length);
    expect(await res.text()).toBe(script);
  });

  it('ignores a precompressed sibling older than its file, and revalidates per encoding', async () => {
    const stale = await fetch(`http://127.0.0.1:${port}/stale.js`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(stale.headers.get('Content-Encoding')).toBeNull();
    expect(await stale.text()).toBe(script);
    const brotli = await fetch(`http://127.0.0.1:${port}/app.js`, { headers: { 'Accept-Encoding': 'br' } });
    const etag = brotli.headers.get('ETag')!;
    const again = await fetch(`http://127.0.0.1:${port}/app.js`, { headers: { 'Accept-Encoding': 'br', 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    const other = await fetch(`http://127.0.0.1:${port}/app.js`, { headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': etag } });
    expect(other.status).toBe(200);
  });

  it.each(['/models/../secret', '/models/../../secret', '/%2e%2e/secret', '/models/..%2fsecret', '/..\\secret'])(
    'never leaks files outside the roots for raw target %s',
    async (target) => {
      const response = await rawRequest(target);
      expect(response).toMatch(/^HTTP\/1\.1 (400|404) /);
      expect(response).not.toContain('TOP SECRET');
    },
  );
});
