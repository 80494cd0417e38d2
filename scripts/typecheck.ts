import { spawnSync } from 'node:child_process';

/** One tsconfig per runtime (page, workers, worklet, service worker, Node, benchmark pages): each is checked on its own. */
export const TSCONFIGS = [
  'web/tsconfig.json',
  'web/worker/tsconfig.json',
  'web/worklet/tsconfig.json',
  'web/sw/tsconfig.json',
  'server/tsconfig.json',
  'bench/browser/tsconfig.json',
  'bench/browser/worker/tsconfig.json',
] as const;

/** `tsc --noEmit -p` on each tsconfig; the ones that failed, in order. */
export function typecheck(tsconfigs: readonly string[] = TSCONFIGS): string[] {
  return tsconfigs.filter((tsconfig) => {
    console.log(`tsc --noEmit -p ${tsconfig}`);
    return spawnSync('npx', ['tsc', '--noEmit', '-p', tsconfig], { stdio: 'inherit' }).status !== 0;
  });
}

if (import.meta.filename === process.argv[1]) {
  const failed = typecheck();
  if (failed.length > 0) console.error(`Type errors in ${failed.join(', ')}`);
  process.exit(failed.length > 0 ? 1 : 0);
}
