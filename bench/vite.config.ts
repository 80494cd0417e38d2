import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import appConfig from '../vite.config.ts';

export const benchDistDir = fileURLToPath(new URL('.dist', import.meta.url));

/**
 * The bench page (bench/browser/) with the app's plugins, worker format and defines, so the ORT
 * runtime files and __ORT_BASE__ are exactly the app's; built apart from dist/.
 */
export default defineConfig({
  root: fileURLToPath(new URL('browser', import.meta.url)),
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: benchDistDir,
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // Its slow-plugin report fires whenever the machine is busy, which is when benchmarks tend to run.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  worker: appConfig.worker,
  plugins: appConfig.plugins,
  define: appConfig.define,
});
