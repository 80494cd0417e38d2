import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The evaluation data beside the checkout, ../shared/data: FLORES-200 sentences in mt/, real speech in speech/. */
export const sharedDataDir = resolve(fileURLToPath(new URL('../..', import.meta.url)), 'shared', 'data');

/** Set by .ci/run: there, shared data a test needs must be present, so that its test fails instead of skipping. */
export const sharedDataRequired = (env: NodeJS.ProcessEnv = process.env) => Boolean(env.CI);

/**
 * The path of a file in the shared data, or undefined when this checkout has none (tests then skip, saying so);
 * where the data is required (CI), a missing file throws, which fails the test file that asked for it.
 */
export function sharedDataFile(relativePath: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const path = join(sharedDataDir, relativePath);
  if (existsSync(path)) return path;
  if (sharedDataRequired(env)) {
    throw new Error(`${path} is missing, and CI needs it: the tests that use ../shared/data must run there, not skip.`);
  }
  return undefined;
}
