import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Plugin, type Rollup } from 'vite';
import { precacheUrls } from '../web/sw/precache-list.ts';

function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(dir, `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}

/**
 * Builds `entry` as /sw.js, a classic script at the root scope, once the app's bundle is known: the
 * precache list (the bundle plus public/) and a build version hashed from those files are compiled in,
 * so any change to the shell makes a new service worker and a new shell cache.
 */
export function serviceWorker(entry: string): Plugin {
  let publicDir = '';
  return {
    name: 'sotto-service-worker',
    apply: 'build',
    enforce: 'post',
    configResolved(config) {
      publicDir = config.publicDir;
    },
    async generateBundle(_options, bundle) {
      const contents = new Map<string, string | Uint8Array>();
      for (const [name, output] of Object.entries(bundle)) contents.set(name, output.type === 'chunk' ? output.code : output.source);
      if (publicDir) for (const name of filesUnder(publicDir)) contents.set(name, readFileSync(join(publicDir, name)));
      const precache = precacheUrls(contents.keys());
      const hash = createHash('sha256');
      for (const url of precache) hash.update(url).update(contents.get(url.slice(1))!);
      const version = hash.digest('hex').slice(0, 12);
      const built = (await build({
        configFile: false,
        logLevel: 'warn',
        publicDir: false,
        define: { __SW_VERSION__: JSON.stringify(version), __SW_PRECACHE__: JSON.stringify(precache) },
        build: {
          write: false,
          emptyOutDir: false,
          target: 'es2022',
          rollupOptions: { input: entry, output: { format: 'iife', entryFileNames: 'sw.js' } },
        },
      })) as Rollup.RollupOutput;
      this.emitFile({ type: 'asset', fileName: 'sw.js', source: built.output[0].code });
    },
  };
}
