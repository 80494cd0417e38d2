import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { HTTPException } from 'hono/http-exception';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../app.ts';
import { loadConfig, repoRoot } from '../config.ts';
import { TranslationError } from '../translation/errors.ts';
import { unavailableTranslation, type TranslationService } from '../translation/service.ts';
import { fakeTranslationService } from '../../testing/translation-doubles.ts';
import { bearer, keyEntries, keys, limits, sha256Hash } from '../../testing/security-fixtures.ts';

/** Every kind of route, made to fail every way it can: no answer may carry a stack, a server path or a configured secret. */

let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sotto-leaks-'));
  const keysFile = path.join(dir, 'api-keys-secret-location');
  await writeFile(keysFile, keyEntries.map((entry) => JSON.stringify(entry)).join('\n'));
  env = {
    SOTTO_API_KEYS_FILE: keysFile,
    SOTTO_ADMIN_KEY_HASH: sha256Hash(keys.admin),
    SOTTO_DIST_DIR: path.join(dir, 'no-dist'),
    SOTTO_MODELS_DIR: path.join(dir, 'models'),
    SOTTO_CORS_ORIGINS: 'https://app.example',
  };
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// What a failure deep down looks like: an fs error, then a frame list, as Node formats them.
const internalError = new Error(`ENOENT: no such file or directory, open '${repoRoot}models/x/onnx/model.onnx'`);
internalError.stack = `${internalError.message}\n    at open (node:internal/fs/promises:639:25)\n    at load (${repoRoot}node_modules/onnxruntime-node/dist/backend.js:12:3)`;
const leakyMessage = `${internalError.message}\n${internalError.stack}`;

function app(service: TranslationService = fakeTranslationService()) {
  const a = createApp(loadConfig(env), { service, limits });
  a.get('/http-exception', () => {
    throw new HTTPException(400, { message: leakyMessage });
  });
  return a;
}

const key = bearer(keys.dave);
const json = (body: string, headers: Record<string, string> = key): RequestInit => ({ method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
const valid = JSON.stringify({ segments: ['x'], source: 'en', target: 'de' });
const libre = JSON.stringify({ q: 'x', source: 'en', target: 'de', api_key: keys.dave });

const throwing = {
  translationError: { translate: async () => Promise.reject(new TranslationError('model-unavailable', leakyMessage)) },
  workerError: { translate: async () => Promise.reject(new TranslationError('worker-failed', leakyMessage)) },
  crash: {
    translate: async () => Promise.reject(internalError),
    models: () => {
      throw internalError;
    },
    languages: () => {
      throw internalError;
    },
    stats: () => {
      throw internalError;
    },
  },
} satisfies Record<string, Partial<TranslationService>>;

// The last element, where given: how many times to send the request (the last answer is checked).
const cases: [string, () => ReturnType<typeof app>, string, RequestInit?, number?][] = [
  ['a translation error', () => app(fakeTranslationService(throwing.translationError)), '/v1/translate', json(valid)],
  ['a worker error', () => app(fakeTranslationService(throwing.workerError)), '/v1/translate', json(valid)],
  ['a crash in translate', () => app(fakeTranslationService(throwing.crash)), '/v1/translate', json(valid)],
  ['a crash listing models', () => app(fakeTranslationService(throwing.crash)), '/v1/models', { headers: key }],
  ['a crash in stats', () => app(fakeTranslationService(throwing.crash)), '/v1/stats', { headers: key }],
  ['translation switched off by a startup error', () => app(unavailableTranslation(`Translation is off: ${internalError.message}`)), '/v1/stats', { headers: key }],
  ['malformed JSON', () => app(), '/v1/translate', json('{"segments":')],
  ['an invalid body', () => app(), '/v1/translate', json('{"segments":[1]}')],
  ['a wrong media type', () => app(), '/v1/translate', { method: 'POST', headers: { ...key, 'Content-Type': 'text/plain' }, body: 'x' }],
  ['a body over the limit', () => app(), '/v1/translate', json(JSON.stringify({ pad: 'x'.repeat(5000) }))],
  ['a missing key', () => app(), '/v1/translate', json(valid, {})],
  ['a wrong key', () => app(), '/v1/translate', json(valid, bearer('sotto_dave.wrong'))],
  ['a revoked key', () => app(), '/v1/translate', json(valid, bearer(keys.carol))],
  ['an unknown /v1 path', () => app(), '/v1/nope', { headers: key }],
  ['a LibreTranslate translation error', () => app(fakeTranslationService(throwing.translationError)), '/translate', json(libre, {})],
  ['a LibreTranslate crash', () => app(fakeTranslationService(throwing.crash)), '/translate', json(libre, {})],
  ['a crash listing languages', () => app(fakeTranslationService(throwing.crash)), '/languages'],
  ['a LibreTranslate bad body', () => app(), '/translate', json('{"q":', {})],
  ['a LibreTranslate wrong key', () => app(), '/translate', json(libre.replace(keys.dave, 'nope'), {})],
  ['a rate limit', () => app(), '/v1/translate', json(valid, bearer(keys.alice)), 3],
  ['an admin route without the key', () => app(), '/admin/keys'],
  ['an admin route with an API key', () => app(), '/admin/usage', { headers: key }],
  ['an unknown admin path', () => app(), '/admin/nope', { headers: bearer(keys.admin) }],
  ['an unknown key to revoke', () => app(), '/admin/keys/nobody/revoke', { method: 'POST', headers: bearer(keys.admin) }],
  ['an HTTPException', () => app(), '/http-exception'],
  ['a path traversal', () => app(), '/models/..%2f..%2fetc/passwd'],
  ['an unbuilt app', () => app(), '/'],
  ['an unknown API path', () => app(), '/api/nope'],
];

function secrets(): string[] {
  return [dir, repoRoot, homedir(), env.SOTTO_API_KEYS_FILE!, env.SOTTO_ADMIN_KEY_HASH!, ...keyEntries.map((e) => e.hash.slice(7)), ...Object.values(keys)];
}

describe('no error answer leaks internals', () => {
  it.each(cases)('on %s', async (_name, makeApp, url, init, times = 1) => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const a = makeApp();
    let res = await a.request(url, init);
    for (let i = 1; i < times; i++) res = await a.request(url, init);
    errors.mockRestore();
    expect(res.status).toBeGreaterThanOrEqual(400);
    const text = `${[...res.headers].map(([name, value]) => `${name}: ${value}`).join('\n')}\n\n${await res.text()}`;
    expect(text).not.toMatch(/\bat \S+ \(|\n\s+at |\\n\s+at /);
    expect(text).not.toMatch(/\.(ts|js|mjs):/);
    expect(text).not.toContain('/work/');
    expect(text).not.toContain('node_modules');
    expect(text).not.toContain('node:internal');
    for (const secret of secrets()) expect(text).not.toContain(secret);
  });
});
