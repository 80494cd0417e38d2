import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  filesFor,
  isTranslationModel,
  parseManifest,
  PRECISIONS,
  translationDirections,
  type Precision,
  type TranslationDirection,
  type TranslationModelEntry,
} from '../../contract/manifest-schema.ts';

/** A translation model the server may run, as the manifest describes it and the disk holds it. */
export interface CatalogModel {
  entry: TranslationModelEntry;
  /** Changes whenever the weights do: a digest of the files' checksums, else the hub revision or generator seed. */
  version: string;
  directions: TranslationDirection[];
  /** The variants whose files are all on disk, with their total size in bytes. */
  onDisk: Partial<Record<Precision, number>>;
}

export interface Catalog {
  models: CatalogModel[];
  /** The manifest's default server translation model, if it names one. */
  defaultModel: string | undefined;
}

function versionOf(entry: TranslationModelEntry): string {
  const files = [...entry.files, ...Object.values(entry.variants).flatMap((variant) => variant.files)];
  if (files.every((file) => file.sha256 !== undefined)) {
    const digest = createHash('sha256');
    for (const file of [...files].sort((a, b) => a.path.localeCompare(b.path))) digest.update(`${file.path}:${file.sha256}\n`);
    return digest.digest('hex').slice(0, 12);
  }
  return entry.source.type === 'hub' ? entry.source.revision : `seed-${entry.source.seed}`;
}

async function bytesOnDisk(dir: string, relativePaths: string[]): Promise<number | undefined> {
  try {
    const sizes = await Promise.all(relativePaths.map(async (file) => (await stat(path.join(dir, ...file.split('/')))).size));
    return sizes.reduce((sum, size) => sum + size, 0);
  } catch {
    return undefined;
  }
}

async function variantsOnDisk(modelsDir: string, entry: TranslationModelEntry): Promise<CatalogModel['onDisk']> {
  const dir = path.join(modelsDir, ...entry.id.split('/'));
  const onDisk: CatalogModel['onDisk'] = {};
  for (const precision of PRECISIONS) {
    if (!entry.variants[precision]) continue;
    const bytes = await bytesOnDisk(dir, filesFor(entry, precision).map((file) => file.path));
    if (bytes !== undefined) onDisk[precision] = bytes;
  }
  return onDisk;
}

/** Reads `manifest.json` in the models folder: its translation models placed on the server, and what of them is on disk. */
export async function loadCatalog(modelsDir: string): Promise<Catalog> {
  const manifest = parseManifest(JSON.parse(await readFile(path.join(modelsDir, 'manifest.json'), 'utf8')));
  const entries = manifest.models.filter(isTranslationModel).filter((entry) => entry.placement.includes('server'));
  const models = await Promise.all(
    entries.map(async (entry) => ({
      entry,
      version: versionOf(entry),
      directions: translationDirections(entry),
      onDisk: await variantsOnDisk(modelsDir, entry),
    })),
  );
  return { models, defaultModel: manifest.defaults.translation?.server };
}
