import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatBytes } from '../fetch-plan.ts';
import { PRECISIONS, findModel, parseManifest, parsePrecisions, type ModelEntry, type ModelFile, type Precision } from '../../contract/manifest-schema.ts';
import { sha256OfFile, writeGeneratedFile } from './generated-file.ts';
import { generatedSource, generatorFor } from './generators.ts';

/**
 * `npm run models:generate`: writes the random-weight models named in models/manifest.json
 * (source.type "generated") into models/<id>/, in the layout of the real models they imitate.
 */

const usage = `Usage: npm run models:generate -- [--size tiny|shape-true|all] [--model ID] [--precision fp32,q8,...] [--models-dir DIR] [--update-manifest]
  --size             which generated models to write (default: all)
  --model            write only this generated model
  --precision        write only these variants (default: every variant in the manifest)
  --models-dir       where the manifest and model folders are (default: models/)
  --update-manifest  record the written files' sizes and SHA-256 in the manifest`;

const recordedFiles = (model: ModelEntry, precisions: Precision[]) => [...model.files, ...precisions.flatMap((p) => model.variants[p]!.files)];

function upToDate(folder: string, expected: ModelFile[]): boolean {
  return expected.every((f) => f.sha256 !== undefined && sha256OfFile(join(folder, f.path)) === f.sha256);
}

/** Generates one model's files in the given precisions; returns its entry with the sizes and checksums of what was written. */
function generate(model: ModelEntry, precisions: Precision[], modelsDir: string, updatingManifest: boolean): ModelEntry {
  const folder = join(modelsDir, model.id);
  const expected = recordedFiles(model, precisions);
  if (upToDate(folder, expected)) {
    console.log(`${model.id}: up to date`);
    return model;
  }
  const started = performance.now();
  const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
  const generator = generatorFor(model);
  const files = generator.files.map((file) => writeGeneratedFile(folder, file));
  const variants = { ...model.variants };
  for (const precision of precisions) {
    const written: Required<ModelFile>[] = [];
    for (const file of generator.variantFiles(precision)) written.push(writeGeneratedFile(folder, file));
    variants[precision] = { files: written };
    const bytes = written.reduce((sum, f) => sum + f.bytes, 0);
    console.log(`${model.id}: ${precision} (${formatBytes(bytes)}) written after ${seconds()} s`);
  }
  const mismatched = [...files, ...precisions.flatMap((p) => variants[p]!.files)].filter((f) => {
    const recorded = expected.find((e) => e.path === f.path)?.sha256;
    return recorded !== undefined && recorded !== f.sha256;
  });
  console.log(`${model.id}: wrote ${precisions.join(', ')} to ${folder} in ${seconds()} s`);
  if (mismatched.length > 0 && !updatingManifest) {
    console.warn(`${model.id}: ${mismatched.length} file(s) differ from the manifest's checksums (${mismatched.map((f) => f.path).join(', ')}); run with --update-manifest if the generator changed on purpose`);
  }
  return { ...model, files, variants };
}

/** The precisions to write for a model: the requested ones (all of which it must have), or all it has. */
function precisionsFor(model: ModelEntry, requested: Precision[] | undefined): Precision[] {
  const available = PRECISIONS.filter((p) => model.variants[p]);
  const missing = (requested ?? []).filter((p) => !model.variants[p]);
  if (missing.length > 0) throw new Error(`${model.id} has no ${missing.join(', ')} variant (it has ${available.join(', ')})`);
  return requested ?? available;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: 'all' },
      model: { type: 'string' },
      precision: { type: 'string' },
      'models-dir': { type: 'string', default: resolve(import.meta.dirname, '..') },
      'update-manifest': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return console.log(usage);
  if (!['tiny', 'shape-true', 'all'].includes(values.size)) throw new Error(`Unknown --size "${values.size}".\n${usage}`);
  const requested = values.precision === undefined ? undefined : parsePrecisions(values.precision);
  const modelsDir = values['models-dir'];
  const manifestPath = join(modelsDir, 'manifest.json');
  const manifestJson = JSON.parse(readFileSync(manifestPath, 'utf8')) as { models: unknown[] };
  const manifest = parseManifest(manifestJson);
  // An unknown or downloaded --model is an error, not an empty selection.
  if (values.model !== undefined) generatedSource(findModel(manifest, values.model));
  const wanted = (m: ModelEntry) =>
    m.source.type === 'generated' && (values.model ?? m.id) === m.id && (values.size === 'all' || m.source.size === values.size);
  const updated = manifest.models.map((model) =>
    wanted(model) ? generate(model, precisionsFor(model, requested), modelsDir, values['update-manifest']) : model,
  );
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
