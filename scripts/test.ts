import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingRequirements, REQUIREMENTS } from './test-environment.ts';
import { TSCONFIGS, typecheck } from './typecheck.ts';

/**
 * `npm test`: the type check of every tsconfig (each counts as one test), the unit tests (with vitest's
 * type tests, `*.test-d.ts`), then the end-to-end tests in Chromium, each through vitest's JSON reporter,
 * ending with one line `N passed, N failed, N skipped` over all of them.
 */

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  success: boolean;
}

const suites = [
  { name: 'unit', args: ['vitest', 'run'] },
  { name: 'end-to-end', args: ['vitest', 'run', '--config', 'e2e/vitest.config.ts'] },
];

// Set-up: the tiny random-weight models the tests load (a no-op when they are up to date).
const setup = spawnSync('npx', ['tsx', 'models/generate/main.ts', '--size', 'tiny'], { stdio: 'inherit' });
if (setup.status !== 0) console.error('Generating the tiny test models failed; tests that load them will fail.');

const outputDir = mkdtempSync(join(tmpdir(), 'sotto-test-'));
const totals = { passed: 0, failed: 0, skipped: 0 };
let broken = false;

// A missing tool fails its tests anyway: name it and its package first, and count it as a failure.
const missing = missingRequirements();
for (const { requirement, reason } of missing) console.error(`Missing for the tests: ${requirement.what}: ${reason} (apt-get install ${requirement.debianPackage})`);
totals.failed += missing.length;
totals.passed += REQUIREMENTS.length - missing.length;

console.log('\n=== type check ===');
const typeErrors = typecheck();
totals.failed += typeErrors.length;
totals.passed += TSCONFIGS.length - typeErrors.length;
if (typeErrors.length > 0) console.error(`Type errors in ${typeErrors.join(', ')}`);

for (const suite of suites) {
  console.log(`\n=== ${suite.name} tests ===`);
  const outputFile = join(outputDir, `${suite.name}.json`);
  const run = spawnSync('npx', [...suite.args, '--reporter=default', '--reporter=json', `--outputFile.json=${outputFile}`], { stdio: 'inherit' });
  try {
    const report = JSON.parse(readFileSync(outputFile, 'utf8')) as VitestJson;
    totals.passed += report.numPassedTests;
    totals.failed += report.numFailedTests;
    totals.skipped += report.numPendingTests + report.numTodoTests;
    if (run.status !== 0 && report.numFailedTests === 0) broken = true;
  } catch {
    console.error(`The ${suite.name} tests produced no report (exit code ${run.status}).`);
    broken = true;
  }
}
rmSync(outputDir, { recursive: true, force: true });

if (broken) totals.failed += 1;
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 ? 1 : 0);
