import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseManifest, type ModelFile } from '../contract/manifest-schema.ts';
import {
  FetchError, formatBytes, formatProgress, httpErrorMessage, hubEndpoint, judgeLocalFile, networkErrorDetail, parseFetchArgs,
  planFetch, unreachableMessage, usage, withRecordedFiles, type PlannedFile,
} from './fetch-plan.ts';

/**
 * `npm run models:fetch`: downloads the real weights of the manifest's hub models into models/<id>/.
 * Every wait is bounded, so that without internet access it fails within seconds instead of hanging.
 */

export interface DownloadOptions {
  headers: Record<string, string>;
  /** From the request until the response headers (connect and DNS included). */
  headerTimeoutMs: number;
  /** Longest pause between two chunks of the body. */
  idleTimeoutMs: number;
  /** Skip the body when the hub announces exactly this many bytes (a present file nothing else can verify). */
  keepIfBytes?: number;
  onProgress?: (received: number, total: number | undefined) => void;
}

export type DownloadResult = { status: 'downloaded'; bytes: number; sha256: string } | { status: 'kept' };

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/** Streams `file.url` into `<destination>.part`, checks size and sha256 against the manifest, then renames. */
export async function downloadFile(file: PlannedFile, options: DownloadOptions): Promise<DownloadResult> {
  const origin = new URL(file.url).origin;
  const controller = new AbortController();
  const abortAfter = (ms: number, message: string) => setTimeout(() => controller.abort(new FetchError(message)), ms);
  let timer = abortAfter(options.headerTimeoutMs, unreachableMessage(origin, `no response within ${seconds(options.headerTimeoutMs)}`));
  const part = `${file.destination}.part`;
  try {
    let response: Response;
    try {
      // identity encoding keeps Content-Length equal to the bytes written
      response = await fetch(file.url, { headers: { ...options.headers, 'accept-encoding': 'identity' }, signal: controller.signal });
    } catch (error) {
      throw error instanceof FetchError ? error : new FetchError(unreachableMessage(origin, networkErrorDetail(error)));
    }
    clearTimeout(timer);
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new FetchError(httpErrorMessage(file.url, response.status, response.statusText));
    }
    const lengthHeader = response.headers.get('content-length');
    const total = lengthHeader === null ? undefined : Number(lengthHeader);
    if (options.keepIfBytes !== undefined && total === options.keepIfBytes) {
      await response.body.cancel();
      return { status: 'kept' };
    }
    await mkdir(dirname(part), { recursive: true });
    const output = await open(part, 'w');
    const hash = createHash('sha256');
    let received = 0;
    try {
      const stalled = `Download of ${file.url} stalled: no data for ${seconds(options.idleTimeoutMs)}`;
      timer = abortAfter(options.idleTimeoutMs, stalled);
      for await (const chunk of response.body) {
        clearTimeout(timer);
        hash.update(chunk);
        received += chunk.byteLength;
        await output.write(chunk);
        options.onProgress?.(received, total);
        timer = abortAfter(options.idleTimeoutMs, stalled);
      }
    } catch (error) {
      throw error instanceof FetchError ? error : new FetchError(`Download of ${file.url} failed (${networkErrorDetail(error)})`);
    } finally {
      await output.close();
    }
    const sha256 = hash.digest('hex');
    if (total !== undefined && received !== total) throw new FetchError(`${file.url}: connection closed after ${received} of ${total} bytes`);
    if (file.bytes !== undefined && received !== file.bytes) {
      throw new FetchError(`${file.path}: downloaded ${received} bytes but the manifest records ${file.bytes}; deleted it`);
    }
    if (file.sha256 !== undefined && sha256 !== file.sha256) {
      throw new FetchError(`${file.path}: SHA-256 ${sha256} does not match the manifest's ${file.sha256}; deleted it`);
    }
    await rename(part, file.destination);
    return { status: 'downloaded', bytes: received, sha256 };
  } catch (error) {
    await rm(part, { force: true });
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function localFile(path: string, expected: ModelFile): Promise<{ bytes: number; sha256?: string } | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  return { bytes: info.size, sha256: expected.sha256 ? await sha256File(path) : undefined };
}

/** One updating line on a terminal; otherwise a plain line every few seconds and at the end. */
function progressPrinter(path: string): { onProgress: DownloadOptions['onProgress']; finish: (status: string) => void; interrupt: () => void } {
  const tty = process.stdout.isTTY === true;
  const started = performance.now();
  let shownAt = started;
  let shown = false;
  let line = '';
  return {
    onProgress(received, total) {
      const now = performance.now();
      line = formatProgress(path, received, total, now - started);
      if (now - shownAt < (tty ? 100 : 5000)) return;
      shownAt = now;
      shown = true;
      process.stdout.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
    },
    finish(status) {
      const text = line ? `${line} ${status}` : `${path}: ${status}`;
      process.stdout.write(tty ? `\r${text}\x1b[K\n` : `${text}\n`);
    },
    interrupt() {
      if (tty && shown) process.stdout.write('\n');
    },
  };
}

/** models/ of the checkout, from this file and from its bundle in dist-server/ alike. */
const defaultModelsDir = join(fileURLToPath(new URL('..', import.meta.url)), 'models');

export async function fetchModels(argv: string[], env: Record<string, string | undefined>): Promise<void> {
  const options = parseFetchArgs(argv, defaultModelsDir);
  if (options.help) return console.log(usage);
  const manifestPath = join(options.modelsDir, 'manifest.json');
  const manifestJson = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown>;
  let manifest = parseManifest(manifestJson);
  const endpoint = hubEndpoint(env);
  const headers: Record<string, string> = env.HF_TOKEN ? { authorization: `Bearer ${env.HF_TOKEN}` } : {};
  for (const plan of planFetch(manifest, options, endpoint)) {
    console.log(`${plan.model.id} (${plan.precisions.join(', ')}) from ${endpoint} into ${join(options.modelsDir, plan.model.id)}`);
    const recorded: Required<ModelFile>[] = [];
    let fetched = 0;
    for (const file of plan.files) {
      const local = await localFile(file.destination, file);
      const verdict = judgeLocalFile(file, local);
      const progress = progressPrinter(file.path);
      let result: DownloadResult = { status: 'kept' };
      if (verdict !== 'up-to-date') {
        const keepIfBytes = verdict === 'unverifiable' ? local?.bytes : undefined;
        try {
          result = await downloadFile(file, { headers, headerTimeoutMs: 15_000, idleTimeoutMs: 30_000, keepIfBytes, onProgress: progress.onProgress });
        } catch (error) {
          progress.interrupt();
          throw error;
        }
      }
      if (result.status === 'downloaded') {
        fetched += result.bytes;
        progress.finish('done');
        recorded.push({ path: file.path, bytes: result.bytes, sha256: result.sha256 });
      } else {
        progress.finish('already present');
        if (options.record && local) recorded.push({ path: file.path, bytes: local.bytes, sha256: local.sha256 ?? (await sha256File(file.destination)) });
      }
    }
    console.log(`${plan.model.id}: ${formatBytes(fetched)} downloaded`);
    if (options.record) manifest = withRecordedFiles(manifest, plan.model.id, recorded);
  }
  if (options.record) {
    await writeFile(manifestPath, `${JSON.stringify({ ...manifestJson, models: manifest.models }, null, 2)}\n`);
    console.log(`Recorded sizes and checksums in ${manifestPath}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  fetchModels(process.argv.slice(2), process.env).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
