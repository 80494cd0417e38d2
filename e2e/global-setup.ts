import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { staleBuildReason } from '../server/build-freshness.ts';
import { createAudioFixtures, type AudioFixtures } from './support/audio-fixtures.ts';
import { repoRoot } from './support/paths.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    audioFixtures: AudioFixtures;
    /** A copy of dist/ the servers serve, so a `vite build` elsewhere during the run cannot change it. */
    distDir: string;
  }
}

function run(command: string, args: string[]): void {
  const started = performance.now();
  execFileSync(command, args, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  console.log(`[e2e] ${command} ${args.join(' ')}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** Builds what the server serves before any test runs, so that no test timeout includes a build. */
export default function setup(project: TestProject): () => void {
  if (staleBuildReason(repoRoot, join(repoRoot, 'dist'))) run('npx', ['vite', 'build']);
  run('npx', ['tsx', 'models/generate/main.ts', '--size', 'tiny']);

  const workDir = mkdtempSync(join(tmpdir(), 'sotto-e2e-'));
  const distDir = join(workDir, 'dist');
  cpSync(join(repoRoot, 'dist'), distDir, { recursive: true });
  const fixturesDir = join(workDir, 'audio');
  mkdirSync(fixturesDir);
  project.provide('distDir', distDir);
  project.provide('audioFixtures', createAudioFixtures(fixturesDir));
  return () => rmSync(workDir, { recursive: true, force: true });
}
