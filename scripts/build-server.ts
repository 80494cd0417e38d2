import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { repoRoot } from '../server/config.ts';

/**
 * `npm run build:server`: the server, its inference worker and the models fetcher (the models Job runs it) as
 * plain ES modules in dist-server/, run by `node` without tsx. Packages stay external: the image installs them
 * with `npm ci --omit=dev`, so every one of them must be in `dependencies`.
 */

export const serverOutDir = path.join(repoRoot, 'dist-server');

export const serverEntryPoints = {
  main: 'server/main.ts',
  // worker-hosts.ts starts it by this name, beside the bundle.
  'inference-worker': 'server/translation/inference-worker.ts',
  'models-fetch': 'models/fetch.ts',
};

/** Bundles into `outDir`; the packages the bundles import, e.g. `hono` or `@huggingface/transformers`. */
export async function buildServer(outDir = serverOutDir): Promise<string[]> {
  const result = await build({
    absWorkingDir: repoRoot,
    entryPoints: serverEntryPoints,
    outdir: outDir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
  });
  const builtins = new Set(builtinModules);
  const imported = Object.values(result.metafile.outputs).flatMap((output) => output.imports.filter((i) => i.external).map((i) => i.path));
  const packages = imported
    .filter((name) => !name.startsWith('node:') && !builtins.has(name))
    .map((name) => name.split('/').slice(0, name.startsWith('@') ? 2 : 1).join('/'));
  return [...new Set(packages)].sort();
}

if (import.meta.filename === process.argv[1]) {
  const packages = await buildServer();
  console.log(`Built ${path.relative(repoRoot, serverOutDir)}/ (${Object.keys(serverEntryPoints).join(', ')}); packages it imports: ${packages.join(', ')}`);
}
