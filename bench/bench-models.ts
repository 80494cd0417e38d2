import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { filesFor, findModel, parseManifest, PRECISIONS, type ModelEntry, type Precision } from '../contract/manifest-schema.ts';
import { repoRoot } from '../server/config.ts';

const modelsDir = join(repoRoot, 'models');

/** The real Whisper base weights that `npm run models:fetch` downloads; word error rate needs them. */
export const REAL_WEIGHTS_MODEL = 'onnx-community/whisper-base';

export function readModel(id: string): ModelEntry {
  return findModel(parseManifest(JSON.parse(readFileSync(join(modelsDir, 'manifest.json'), 'utf8'))), id);
}

/** The variants whose every file is on disk. */
export function presentPrecisions(model: ModelEntry): Precision[] {
  return PRECISIONS.filter((p) => model.variants[p] && filesFor(model, p).every((f) => existsSync(join(modelsDir, model.id, f.path))));
}

/** Writes a generated (random-weight) model when any of its variants is missing. */
export function ensureGeneratedModel(model: ModelEntry): void {
  if (model.source.type !== 'generated' || presentPrecisions(model).length === Object.keys(model.variants).length) return;
  console.log(`${model.id} is missing; generating it (npm run models:generate -- --size ${model.source.size}).`);
  const result = spawnSync('npx', ['tsx', 'models/generate/main.ts', '--size', model.source.size], { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`Generating ${model.id} failed`);
}

export function realWeightsPresent(): boolean {
  return existsSync(join(modelsDir, REAL_WEIGHTS_MODEL, 'onnx', 'encoder_model_quantized.onnx'));
}
