import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildWebApp, staleBuildReason } from '../scripts/build-freshness.ts';
import { createAudioFixtures, type AudioFixtures } from './support/audio-fixtures.ts';
import { repoRoot } from './support/paths.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    audioFixtures: AudioFixtures;
    /** A copy of dist/ the servers serve, so a `vite build` elsewhere during the run cannot change it. */
    distDir: string;
  }
}

function timed(what: string, step: () => void): void {
  const started = performance.now();
  step();
  console.log(`[e2e] ${what}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** Builds what the server serves before any test runs, so that no test timeout includes a build. */
export default function setup(project: TestProject): () => void {
  if (staleBuildReason(repoRoot, join(repoRoot, 'dist'))) {
    timed('vite build', () => {
      if (!buildWebApp(repoRoot, { stdio: ['ignore', 'ignore', 'inherit'] })) throw new Error('vite build failed');
    });
  }
  timed('tiny models', () => execFileSync('npx', ['tsx', 'models/generate/main.ts', '--size', 'tiny'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] }));

  const workDir = mkdtempSync(join(tmpdir(), 'sotto-e2e-'));
  const distDir = join(workDir, 'dist');
  // Timestamps kept: the server serves a precompressed sibling only when it is not older than its file.
  cpSync(join(repoRoot, 'dist'), distDir, { recursive: true, preserveTimestamps: true });
  const fixturesDir = join(workDir, 'audio');
  mkdirSync(fixturesDir);
  project.provide('distDir', distDir);
  project.provide('audioFixtures', createAudioFixtures(fixturesDir));
  return () => rmSync(workDir, { recursive: true, force: true });
}
