import { defineConfig } from 'vitest/config';

/** Unit tests: next to the code, in Node. End-to-end tests have their own config in e2e/. */
export default defineConfig({
  test: {
    include: [
      'web/**/*.test.ts',
      'server/**/*.test.ts',
      'models/**/*.test.ts',
      'bench/**/*.test.ts',
      'deploy/**/*.test.ts',
      'scripts/**/*.test.ts',
      'testing/**/*.test.ts',
      'contract/**/*.test.ts',
    ],
    testTimeout: 30_000,
    // Type tests (`*.test-d.ts`: expectTypeOf, assertType) are checked by tsc on every run, beside the runtime tests.
    typecheck: { enabled: true, tsconfig: 'server/tsconfig.json' },
  },
});
