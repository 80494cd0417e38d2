import { spawnSync, type StdioOptions } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** What `vite build` reads; dist/ is stale when any of it is newer than dist/index.html. */
const buildInputs = ['web', 'public', 'vite.config.ts'];

function newestMtime(entry: string): number {
  if (!existsSync(entry)) return 0;
  const stats = statSync(entry);
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = 0;
  for (const child of readdirSync(entry)) {
    if (child.startsWith('.') || child === 'node_modules' || child.endsWith('.test.ts')) continue;
    newest = Math.max(newest, newestMtime(path.join(entry, child)));
  }
  return newest;
}

/** Why dist/ must be rebuilt, or undefined when it is up to date with the sources under repoRoot. */
export function staleBuildReason(repoRoot: string, distDir: string): string | undefined {
  const index = path.join(distDir, 'index.html');
  if (!existsSync(index)) return 'The web app is not built';
  const sourcesChanged = Math.max(...buildInputs.map((input) => newestMtime(path.join(repoRoot, input))));
  return statSync(index).mtimeMs < sourcesChanged ? 'The web app is out of date' : undefined;
}

/**
 * Runs `vite build` in repoRoot; true when it succeeded. NODE_ENV is pinned to production: a test runner's
 * NODE_ENV=test would otherwise reach vite and make a development build, which registers no service worker.
 */
export function buildWebApp(repoRoot: string, options: { args?: string[]; stdio?: StdioOptions } = {}): boolean {
  const result = spawnSync('npx', ['vite', 'build', ...(options.args ?? [])], {
    cwd: repoRoot,
    stdio: options.stdio ?? 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
    shell: process.platform === 'win32',
  });
  return result.status === 0;
}
