import { defineConfig } from 'vitest/config';

/** Unit tests: next to the code, in Node. End-to-end tests have their own config in e2e/. */
export default defineConfig({
  test: {
    include: ['web/**/*.test.ts', 'server/**/*.test.ts', 'models/**/*.test.ts', 'bench/**/*.test.ts', 'deploy/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 30_000,
  },
});
