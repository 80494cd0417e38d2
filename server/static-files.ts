import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Context, MiddlewareHandler } from 'hono';
import { acceptedEncodings, isCompressible, PRECOMPRESSED } from './content-encoding.ts';
import { problem } from './problem.ts';

export interface StaticFilesOptions {
  /** Directory the files are served from. */
  root: string;
  /** URL prefix the directory is mounted under, without a trailing slash ('' for the site root). */
  prefix: string;
  /** Cache-Control value for a file, given its path relative to root with '/' separators. */
  cacheControl: (relativePath: string) => string;
  /** File (relative to root) served for the prefix itself, e.g. 'index.html'. */
  index?: string;
  /** Serve `index` for GET navigations (Accept: text/html) to paths that are not files. */
  spaFallback?: boolean;
  /** Response when `index` should be served but does not exist. Defaults to falling through. */
  onMissingIndex?: (c: Context) => Response;
  /** Serve a file's `.br` / `.gz` sibling (written by the build) to clients that accept it. */
  precompressed?: boolean;
}

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeFor(file: string): string {
  return contentTypes[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

type ParsedPath = { kind: 'ok'; segments: string[] } | { kind: 'hidden' } | { kind: 'bad' };

/** Splits a still percent-encoded URL path into decoded segments, rejecting anything that could leave the root. */
export function parseRequestPath(encoded: string): ParsedPath {
  if (encoded === '') return { kind: 'ok', segments: [] };
  const parts = encoded.split('/');
  if (parts.at(-1) === '') parts.pop();
  const segments: string[] = [];
  let hidden = false;
  for (const part of parts) {
    let segment: string;
    try {
      segment = decodeURIComponent(part);
    } catch {
      return { kind: 'bad' };
    }
    if (segment === '' || segment === '.' || segment === '..' || /[/\\\0]/.test(segment)) {
      return { kind: 'bad' };
    }
    if (segment.startsWith('.')) hidden = true;
    segments.push(segment);
  }
  return hidden ? { kind: 'hidden' } : { kind: 'ok', segments };
}

async function statFile(file: string): Promise<Stats | null> {
  try {
    const stats = await stat(file);
    return stats.isFile() ? stats : null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG') return null;
    throw err;
  }
}

function stripWeak(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

function isNotModified(c: Context, etag: string, stats: Stats): boolean {
  const ifNoneMatch = c.req.header('If-None-Match');
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() === '*') return true;
    return ifNoneMatch.split(',').some((tag) => stripWeak(tag.trim()) === stripWeak(etag));
  }
  const ifModifiedSince = c.req.header('If-Modified-Since');
  if (ifModifiedSince === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  // HTTP dates have second precision.
  return !Number.isNaN(since) && Math.floor(stats.mtimeMs / 1000) * 1000 <= since;
}

interface Representation {
  file: string;
  stats: Stats;
  encoding?: string;
}

/** The best precompressed sibling the client accepts; one older than the file itself (a stale build's) is ignored. */
async function precompressedSibling(c: Context, file: string, stats: Stats): Promise<Representation | undefined> {
  const accepted = acceptedEncodings(c.req.header('Accept-Encoding'));
  for (const { encoding, suffix } of PRECOMPRESSED) {
    if (!accepted.includes(encoding)) continue;
    const sibling = await statFile(file + suffix);
    if (sibling && sibling.mtimeMs >= stats.mtimeMs) return { file: file + suffix, stats: sibling, encoding };
  }
  return undefined;
}

async function sendFile(c: Context, file: string, stats: Stats, cacheControl: string, precompressed = false): Promise<Response> {
  const negotiated = precompressed && isCompressible(file);
  const sent: Representation = (negotiated ? await precompressedSibling(c, file, stats) : undefined) ?? { file, stats };
  const tag = `${sent.stats.size.toString(16)}-${Math.floor(sent.stats.mtimeMs).toString(16)}${sent.encoding ? `-${sent.encoding}` : ''}`;
  const etag = `W/"${tag}"`;
  const headers: Record<string, string> = {
    'Cache-Control': cacheControl,
    ETag: etag,
    'Last-Modified': stats.mtime.toUTCString(),
    ...(negotiated ? { Vary: 'Accept-Encoding' } : {}),
  };
  if (isNotModified(c, etag, stats)) return c.body(null, 304, headers);

  headers['Content-Type'] = contentTypeFor(file);
  headers['Content-Length'] = String(sent.stats.size);
  if (sent.encoding) headers['Content-Encoding'] = sent.encoding;
  if (c.req.method === 'HEAD') return c.body(null, 200, headers);
  // Streamed so that model and wasm files (tens of MB) are never held in memory.
  const body = Readable.toWeb(createReadStream(sent.file));
  return c.body(body, 200, headers);
}

/** Serves files from `root` under `prefix` for GET and HEAD; anything it does not serve falls through to `next()`. */
export function staticFiles(options: StaticFilesOptions): MiddlewareHandler {
  const root = path.resolve(options.root);

  const serveIndex = async (c: Context, next: () => Promise<void>): Promise<Response | void> => {
    if (options.index === undefined) return next();
    const file = path.join(root, options.index);
    const stats = await statFile(file);
    if (stats) return sendFile(c, file, stats, options.cacheControl(options.index), options.precompressed);
    if (options.onMissingIndex) return options.onMissingIndex(c);
    return next();
  };

  return async function staticFilesMiddleware(c, next) {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next();
    // The raw pathname keeps percent-encoding, so each segment is decoded exactly once below.
    const pathname = new URL(c.req.url).pathname;
    if (pathname !== options.prefix && !pathname.startsWith(`${options.prefix}/`)) return next();

    const parsed = parseRequestPath(pathname.slice(options.prefix.length + 1));
    if (parsed.kind === 'bad') return problem(c, 400, 'Bad Request', 'The request path is not valid.');
    if (parsed.kind === 'hidden') return next();
    if (parsed.segments.length === 0) return serveIndex(c, next);

    const file = path.join(root, ...parsed.segments);
    if (!file.startsWith(root + path.sep)) {
      return problem(c, 400, 'Bad Request', 'The request path is not valid.');
    }
    const stats = await statFile(file);
    if (stats) return sendFile(c, file, stats, options.cacheControl(parsed.segments.join('/')), options.precompressed);

    if (options.spaFallback && (c.req.header('Accept') ?? '').includes('text/html')) return serveIndex(c, next);
    return next();
  };
}
