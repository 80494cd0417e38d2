import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from './model-catalog.ts';

let dir: string;

const sha = (digit: string) => digit.repeat(64);
const variants = (name: string) => ({
  fp32: { files: [{ path: `onnx/${name}.onnx` }] },
  q8: { files: [{ path: `onnx/${name}_quantized.onnx` }] },
});

const manifest = {
  version: 1,
  defaults: { asr: 'x/asr', translation: { server: 'x/marian', device: 'x/marian' } },
  models: [
    {
      id: 'x/asr',
      task: 'automatic-speech-recognition',
      architecture: 'whisper',
      source: { type: 'hub', revision: 'main' },
      languages: ['en'],
      placement: ['device'],
      files: [{ path: 'config.json' }],
      variants: variants('encoder_model'),
    },
    {
      id: 'x/marian',
      task: 'translation',
      architecture: 'marian',
      source: { type: 'hub', revision: 'abc123' },
      languages: ['en', 'de'],
      directions: [{ source: 'en', target: 'de' }],
      placement: ['device', 'server'],
      files: [{ path: 'config.json', sha256: sha('1') }],
      variants: {
        fp32: { files: [{ path: 'onnx/model.onnx', sha256: sha('2') }] },
        q8: { files: [{ path: 'onnx/model_quantized.onnx', sha256: sha('3') }] },
      },
    },
    {
      id: 'x/nllb',
      task: 'translation',
      architecture: 'm2m100',
      source: { type: 'hub', revision: 'r2' },
      languages: ['en', 'de', 'fr'],
      languageCodes: { en: 'eng_Latn', de: 'deu_Latn', fr: 'fra_Latn' },
      directions: 'any-to-any',
      placement: ['server'],
      files: [{ path: 'config.json' }],
      variants: variants('model'),
    },
    {
      id: 'x/device-only',
      task: 'translation',
      architecture: 'marian',
      source: { type: 'hub', revision: 'main' },
      languages: ['en', 'fr'],
      directions: [{ source: 'en', target: 'fr' }],
      placement: ['device'],
      files: [{ path: 'config.json' }],
      variants: variants('model'),
    },
  ],
};

async function put(file: string, bytes: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, new Uint8Array(bytes));
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sotto-catalog-'));
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  await put(path.join(dir, 'x/marian/config.json'), 10);
  await put(path.join(dir, 'x/marian/onnx/model.onnx'), 1000);
  await put(path.join(dir, 'x/marian/onnx/model_quantized.onnx'), 300);
  await put(path.join(dir, 'x/nllb/config.json'), 10);
  await put(path.join(dir, 'x/nllb/onnx/model.onnx'), 2000);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadCatalog', () => {
  it('lists the translation models placed on the server, with the variants on disk and their sizes', async () => {
    const catalog = await loadCatalog(dir);
    expect(catalog.defaultModel).toBe('x/marian');
    expect(catalog.models.map((model) => model.entry.id)).toEqual(['x/marian', 'x/nllb']);
    const [marian, nllb] = catalog.models;
    expect(marian!.onDisk).toEqual({ fp32: 1010, q8: 310 });
    expect(nllb!.onDisk).toEqual({ fp32: 2010 });
    expect(marian!.directions).toEqual([{ source: 'en', target: 'de' }]);
    expect(nllb!.directions).toHaveLength(6);
  });

  it('versions a model by its checksums where it has them, else by its revision', async () => {
    const [marian, nllb] = (await loadCatalog(dir)).models;
    expect(marian!.version).toMatch(/^[0-9a-f]{12}$/);
    expect(nllb!.version).toBe('r2');
  });

  it('fails on an invalid manifest', async () => {
    const bad = await mkdtemp(path.join(tmpdir(), 'sotto-catalog-bad-'));
    await writeFile(path.join(bad, 'manifest.json'), '{"models":[]}');
    await expect(loadCatalog(bad)).rejects.toThrow('Invalid model manifest');
    await rm(bad, { recursive: true, force: true });
  });
});
