import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseManifest } from '../contract/manifest-schema.ts';
import { ConfigError, defaults, loadConfig, repoRoot, type ServerConfig } from '../server/config.ts';
import { buildWebApp, staleBuildReason } from './build-freshness.ts';

/**
 * `npm start` in a checkout: builds the web app when it is missing or stale and generates the tiny models when
 * they are missing, then runs the server (server/main.ts, which itself never builds or generates anything).
 */

function log(message: string): void {
  console.log(`[sotto] ${message}`);
}

function run(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { cwd: repoRoot, stdio: 'inherit', shell: process.platform === 'win32' });
  return result.status === 0;
}

function ensureBuilt(config: ServerConfig): void {
  const reason = staleBuildReason(repoRoot, config.distDir);
  if (!reason) return;

  // A custom SOTTO_DIST_DIR is managed by whoever set it; vite only writes to the default one.
  if (config.distDir !== defaults.distDir) {
    log(`${reason} in SOTTO_DIST_DIR; skipping the build (run \`npm run build\` and copy dist/ there).`);
    return;
  }
  log(`${reason}; running \`npx vite build\`.`);
  if (!buildWebApp(repoRoot)) {
    log('The build failed; skipping it. Pages answer 503 until `npm run build` succeeds.');
  }
}

/** The tiny generated models are what a fresh checkout runs on; real ones come from `npm run models:fetch`. */
function ensureModels(config: ServerConfig): void {
  const present = (id: string) => existsSync(path.join(config.modelsDir, ...id.split('/'), 'config.json'));
  if (!present(config.asrModel) && !config.asrModel.startsWith('sotto/')) {
    log(`ASR model ${config.asrModel} is missing from the models folder; fetch it with \`npm run models:fetch\`.`);
  }
  let missing: string[];
  try {
    const manifest = parseManifest(JSON.parse(readFileSync(path.join(config.modelsDir, 'manifest.json'), 'utf8')));
    missing = manifest.models.filter((m) => m.source.type === 'generated' && m.source.size === 'tiny' && !present(m.id)).map((m) => m.id);
  } catch (err) {
    log(`The model manifest cannot be read (${err instanceof Error ? err.message : String(err)}); skipping model generation.`);
    return;
  }
  if (missing.length === 0) return;
  if (config.modelsDir !== defaults.modelsDir) {
    log(`Generated models ${missing.join(', ')} are missing from SOTTO_MODELS_DIR; skipping generation (it writes to models/).`);
    return;
  }
  log(`Generated models ${missing.join(', ')} are missing; running \`npm run models:generate -- --size tiny\`.`);
  if (!run('npm', ['run', 'models:generate', '--', '--size', 'tiny'])) {
    log('Model generation failed; skipping it. Transcription and translation fail until the models exist.');
  }
}

try {
  const config = loadConfig();
  ensureBuilt(config);
  ensureModels(config);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(1);
}
await import('../server/main.ts');
