import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PRECISIONS, parseManifest, type ModelEntry, type ModelFile, type Precision } from '../manifest-schema.ts';
import { whisperSharedFiles, whisperVariantFiles, type GeneratedFile } from './whisper-model.ts';

/**
 * `npm run models:generate`: writes the random-weight models named in models/manifest.json
 * (source.type "generated") into models/<id>/, in the layout of the real models they imitate.
 */

const usage = `Usage: npm run models:generate -- [--size tiny|shape-true|all] [--models-dir DIR] [--update-manifest]
  --size             which generated models to write (default: all)
  --models-dir       where the manifest and model folders are (default: models/)
  --update-manifest  record the written files' sizes and SHA-256 in the manifest`;

const sha256 = (content: Uint8Array) => createHash('sha256').update(content).digest('hex');

function describe(files: GeneratedFile[]): ModelFile[] {
  return files.map((f) => ({ path: f.path, bytes: f.content.byteLength, sha256: sha256(f.content) }));
}

function upToDate(folder: string, expected: ModelFile[]): boolean {
  return expected.every((f) => f.sha256 && existsSync(join(folder, f.path)) && sha256(readFileSync(join(folder, f.path))) === f.sha256);
}

function write(folder: string, files: GeneratedFile[]): void {
  for (const file of files) {
    mkdirSync(dirname(join(folder, file.path)), { recursive: true });
    writeFileSync(join(folder, file.path), file.content);
  }
}

/** Generates one model; returns its entry with sizes and checksums of what was written. */
function generate(model: ModelEntry, modelsDir: string, updatingManifest: boolean): ModelEntry {
  const source = model.source;
  if (source.type !== 'generated') return model;
  const folder = join(modelsDir, model.id);
  const precisions = PRECISIONS.filter((p) => model.variants[p]);
  const expected = [...model.files, ...precisions.flatMap((p) => model.variants[p]!.files)];
  if (upToDate(folder, expected)) {
    console.log(`${model.id}: up to date`);
    return model;
  }
  const started = performance.now();
  const shared = whisperSharedFiles(source);
  write(folder, shared.files);
  const variants: Partial<Record<Precision, { files: ModelFile[] }>> = {};
  for (const precision of precisions) {
    const files = whisperVariantFiles(source, precision, shared);
    write(folder, files);
    variants[precision] = { files: describe(files) };
  }
  const entry = { ...model, files: describe(shared.files), variants };
  const mismatched = [...entry.files, ...precisions.flatMap((p) => variants[p]!.files)].filter((f) => {
    const recorded = expected.find((e) => e.path === f.path)?.sha256;
    return recorded !== undefined && recorded !== f.sha256;
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${model.id}: wrote ${precisions.join(', ')} to ${folder} in ${seconds} s`);
  if (mismatched.length > 0 && !updatingManifest) {
    console.warn(`${model.id}: ${mismatched.length} file(s) differ from the manifest's checksums (${mismatched.map((f) => f.path).join(', ')}); run with --update-manifest if the generator changed on purpose`);
  }
  return entry;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: 'all' },
      'models-dir': { type: 'string', default: resolve(import.meta.dirname, '..') },
      'update-manifest': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return console.log(usage);
  if (!['tiny', 'shape-true', 'all'].includes(values.size)) throw new Error(`Unknown --size "${values.size}".\n${usage}`);
  const modelsDir = values['models-dir'];
  const manifestPath = join(modelsDir, 'manifest.json');
  const manifestJson = JSON.parse(readFileSync(manifestPath, 'utf8')) as { models: unknown[] };
  const manifest = parseManifest(manifestJson);
  const wanted = (m: ModelEntry) => m.source.type === 'generated' && (values.size === 'all' || m.source.size === values.size);
  const updated = manifest.models.map((model) => (wanted(model) ? generate(model, modelsDir, values['update-manifest']) : model));
  if (values['update-manifest']) {
    manifestJson.models = updated;
    writeFileSync(manifestPath, `${JSON.stringify(manifestJson, null, 2)}\n`);
    console.log(`Recorded sizes and checksums in ${manifestPath}`);
  }
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
