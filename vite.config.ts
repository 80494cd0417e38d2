import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { precompress } from './scripts/precompress-plugin.ts';
import { serviceWorker } from './scripts/service-worker-plugin.ts';

const require = createRequire(import.meta.url);
const ortDist = dirname(require.resolve('onnxruntime-web'));
const ortVersion = (JSON.parse(readFileSync(join(ortDist, '..', 'package.json'), 'utf8')) as { version: string }).version;
/** The ORT runtime transformers.js loads in the browser, served from our origin under a versioned path (cached as immutable). */
const ORT_BASE = `/ort/${ortVersion}/`;
const ORT_FILES = ['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'];

const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

function ortRuntimeFiles(): Plugin {
  return {
    name: 'sotto-ort-runtime-files',
    configureServer(server) {
      server.middlewares.use(ORT_BASE, (req, res, next) => {
        const name = (req.url ?? '').replace(/^\//, '').split('?')[0]!;
        if (!ORT_FILES.includes(name)) return next();
        res.setHeader('Content-Type', name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
        res.end(readFileSync(join(ortDist, name)));
      });
    },
    generateBundle(_options, bundle) {
      // ORT's bundle names its default wasm with new URL(…, import.meta.url), so vite copies it into assets/;
      // the worker sets wasmPaths to the versioned copy, so that second 26 MB copy is never fetched.
      for (const fileName of Object.keys(bundle)) if (/^assets\/ort-wasm-simd-threaded.*\.wasm$/.test(fileName)) delete bundle[fileName];
      for (const name of ORT_FILES) this.emitFile({ type: 'asset', fileName: `${ORT_BASE.slice(1)}${name}`, source: readFileSync(join(ortDist, name)) });
    },
  };
}

export default defineConfig({
  root: 'web',
  publicDir: '../public',
  build: { outDir: '../dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 2048 },
  worker: { format: 'es' },
  plugins: [ortRuntimeFiles(), serviceWorker(fileURLToPath(new URL('web/sw/service-worker.ts', import.meta.url))), precompress()],
  define: { __ORT_BASE__: JSON.stringify(ORT_BASE) },
  // `npm run dev` serves the page with hot reload; models and the API come from `npm start` on 8080.
  server: { headers: isolationHeaders, proxy: { '/models': 'http://127.0.0.1:8080', '/api': 'http://127.0.0.1:8080' } },
  preview: { headers: isolationHeaders },
});
