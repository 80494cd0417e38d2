import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FetchError, type PlannedFile } from './fetch-plan.ts';
import { downloadFile } from './fetch.ts';
import { parseManifest, type ModelFile } from '../contract/manifest-schema.ts';

const ROOT = join(import.meta.dirname, '..');
const SCRIPT = join(import.meta.dirname, 'fetch.ts');
const MODEL = 'test-org/fake-whisper';
const OFFLINE_HINT = 'models:fetch needs internet access; tests and benchmarks use npm run models:generate instead.';

const sha256 = (content: Uint8Array) => createHash('sha256').update(content).digest('hex');
const served: Record<string, Buffer> = {
  'config.json': Buffer.from('{"model_type":"whisper"}\n'),
  'tokenizer.json': Buffer.from('{"model":{}}\n'),
  'onnx/encoder_model.onnx': randomBytes(200_000),
  'onnx/encoder_model_quantized.onnx': randomBytes(50_000),
};

/** Like the hub: files under /<id>/resolve/<revision>/, weights redirected to another path as to a CDN. */
function fakeHub(requests: { url: string; authorization: string | undefined }[]): Server {
  return createServer((req, res) => {
    const url = req.url ?? '';
    requests.push({ url, authorization: req.headers.authorization });
    if (url === '/hang') return;
    if (url === '/stall') {
      res.writeHead(200, { 'content-length': '100' });
      res.write(Buffer.alloc(10));
      return;
    }
    const path = url.match(new RegExp(`^/${MODEL}/resolve/main/(.+)$`))?.[1] ?? url.match(/^\/cdn\/(.+)$/)?.[1];
    const body = path === undefined ? undefined : served[path];
    if (!body) return res.writeHead(404).end();
    if (path!.startsWith('onnx/') && !url.startsWith('/cdn/')) return res.writeHead(302, { location: `/cdn/${path}` }).end();
    res.writeHead(200, { 'content-length': String(body.byteLength) }).end(body);
  });
}

const file = (path: string, record: boolean): ModelFile => (record ? { path, bytes: served[path]!.byteLength, sha256: sha256(served[path]!) } : { path });

function fakeManifest() {
  return {
    version: 1,
    defaults: { asr: MODEL },
    models: [
      {
        id: MODEL,
        task: 'automatic-speech-recognition',
        architecture: 'whisper',
        source: { type: 'hub', revision: 'main' },
        languages: ['en'],
        placement: ['device'],
        files: [file('config.json', true), file('tokenizer.json', false)],
        variants: {
          fp32: { files: [file('onnx/encoder_model.onnx', true)] },
          q8: { files: [file('onnx/encoder_model_quantized.onnx', false)] },
        },
      },
    ],
  };
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function runScript(args: string[], env: Record<string, string>): Promise<Run> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, ...args], {
    cwd: ROOT,
    env: { ...process.env, HF_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }));
  });
}

const temporaryDirs: string[] = [];
function modelsDirWith(manifest: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-fetch-'));
  temporaryDirs.push(dir);
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return dir;
}
afterAll(() => temporaryDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('models:fetch offline', () => {
  it('fails within seconds with one readable line when the hub refuses connections', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const modelsDir = modelsDirWith(JSON.parse(readFileSync(join(import.meta.dirname, 'manifest.json'), 'utf8')));

    const run = await runScript(['--models-dir', modelsDir], { HF_ENDPOINT: `http://127.0.0.1:${port}` });

    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(`Cannot reach http://127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}). ${OFFLINE_HINT}`);
    expect(run.ms).toBeLessThan(5000);
    expect(readdirSync(modelsDir)).toEqual(['manifest.json']);
  });
});

describe('models:fetch from a local hub', () => {
  const requests: { url: string; authorization: string | undefined }[] = [];
  let server: Server;
  let endpoint: string;

  beforeAll(async () => {
    server = fakeHub(requests);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => void requests.splice(0));
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const fetchInto = (modelsDir: string, ...args: string[]) => runScript(['--models-dir', modelsDir, ...args], { HF_ENDPOINT: endpoint, HF_TOKEN: 'secret' });
  const localFile = (modelsDir: string, path: string) => readFileSync(join(modelsDir, MODEL, path));

  it('downloads every variant, following redirects and sending HF_TOKEN', async () => {
    const modelsDir = modelsDirWith(fakeManifest());
    const run = await fetchInto(modelsDir);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const path of Object.keys(served)) expect(localFile(modelsDir, path).equals(served[path]!), path).toBe(true);
    expect(readdirSync(join(modelsDir, MODEL, 'onnx')).sort()).toEqual(['encoder_model.onnx', 'encoder_model_quantized.onnx']);
    expect(requests.map((r) => r.url)).toContain('/cdn/onnx/encoder_model.onnx');
    expect(requests.every((r) => r.authorization === 'Bearer secret')).toBe(true);
    expect(run.stdout).toMatch(/onnx\/encoder_model\.onnx: 200\.0 kB of 200\.0 kB \(100%\), .*\/s done/);
    expect(run.stdout).toContain(`${MODEL}: 250.0 kB downloaded`);
  });

  it('keeps files already present and replaces stale ones', async () => {
    const modelsDir = modelsDirWith(fakeManifest());
    expect((await fetchInto(modelsDir)).code).toBe(0);
    requests.splice(0);

    const again = await fetchInto(modelsDir);
    expect(again.code).toBe(0);
    expect(again.stdout.match(/already present/g)).toHaveLength(4);
    // Files without a recorded checksum are compared with the hub's Content-Length, so only they are requested.
    expect(requests.map((r) => r.url).sort()).toEqual([`/${MODEL}/resolve/main/onnx/encoder_model_quantized.onnx`, `/cdn/onnx/encoder_model_quantized.onnx`, `/${MODEL}/resolve/main/tokenizer.json`].sort());

    writeFileSync(join(modelsDir, MODEL, 'config.json'), '{"model_type":"wrong"}\n');
    const repaired = await fetchInto(modelsDir, '--precision', 'fp32');
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toMatch(/config\.json: .* done/);
    expect(localFile(modelsDir, 'config.json').equals(served['config.json']!)).toBe(true);
  });

  it('records sizes and checksums with --record, for the chosen precision only', async () => {
    const modelsDir = modelsDirWith(fakeManifest());
    const run = await fetchInto(modelsDir, '--precision', 'q8', '--record');

    expect(run.code).toBe(0);
    expect(existsSync(join(modelsDir, MODEL, 'onnx/encoder_model.onnx'))).toBe(false);
    const model = parseManifest(JSON.parse(readFileSync(join(modelsDir, 'manifest.json'), 'utf8'))).models[0]!;
    expect(model.files).toEqual([file('config.json', true), file('tokenizer.json', true)]);
    expect(model.variants.q8!.files).toEqual([file('onnx/encoder_model_quantized.onnx', true)]);
    expect(model.variants.fp32!.files).toEqual([file('onnx/encoder_model.onnx', true)]);
  });

  it('deletes a download whose SHA-256 does not match and fails', async () => {
    const manifest = fakeManifest();
    const wrong = 'f'.repeat(64);
    manifest.models[0]!.variants.fp32.files[0] = { path: 'onnx/encoder_model.onnx', sha256: wrong };
    const modelsDir = modelsDirWith(manifest);

    const run = await fetchInto(modelsDir, '--precision', 'fp32');

    expect(run.code).toBe(1);
    const actual = sha256(served['onnx/encoder_model.onnx']!);
    expect(run.stderr.trim()).toBe(`onnx/encoder_model.onnx: SHA-256 ${actual} does not match the manifest's ${wrong}; deleted it`);
    expect(readdirSync(join(modelsDir, MODEL, 'onnx'))).toEqual([]);
  });

  describe('downloadFile', () => {
    const target = (path: string): PlannedFile => {
      const dir = mkdtempSync(join(tmpdir(), 'sotto-download-'));
      temporaryDirs.push(dir);
      return { path, url: `${endpoint}${path}`, destination: join(dir, 'file') };
    };
    const options = { headers: {}, headerTimeoutMs: 300, idleTimeoutMs: 300 };

    it('gives up when no response headers arrive in time', async () => {
      const started = performance.now();
      await expect(downloadFile(target('/hang'), options)).rejects.toThrow(new FetchError(`Cannot reach ${endpoint} (no response within 0.3 s). ${OFFLINE_HINT}`));
      expect(performance.now() - started).toBeLessThan(2000);
    });

    it('gives up when the body stalls, leaving no partial file', async () => {
      const stalled = target('/stall');
      await expect(downloadFile(stalled, options)).rejects.toThrow(new FetchError(`Download of ${endpoint}/stall stalled: no data for 0.3 s`));
      expect(existsSync(`${stalled.destination}.part`)).toBe(false);
      expect(existsSync(stalled.destination)).toBe(false);
    });

    it('explains a missing file', async () => {
      await expect(downloadFile(target('/missing.json'), options)).rejects.toThrow(/missing\.json returned 404 Not Found: check the model id/);
    });
  });
});
