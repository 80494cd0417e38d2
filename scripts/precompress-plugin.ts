import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Plugin } from 'vite';
import { isCompressible, PRECOMPRESSED } from '../server/content-encoding.ts';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** Smaller files gain less from compression than the header and the negotiation cost. */
const MIN_BYTES = 1024;
/** Above this, brotli's best level takes many seconds (ORT's 26 MB wasm); a fast level still beats gzip's best. */
const LARGE_BYTES = 4 * 1024 * 1024;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)])));
  return nested.flat();
}

/** Writes `.br` and `.gz` beside every compressible file of `dir` of at least 1 KB; returns how many files were compressed. */
export async function precompressDirectory(dir: string): Promise<number> {
  const files = (await filesUnder(dir)).filter(isCompressible);
  const compressed = await Promise.all(
    files.map(async (file) => {
      if ((await stat(file)).size < MIN_BYTES) return false;
      const content = await readFile(file);
      const quality = content.length > LARGE_BYTES ? 5 : constants.BROTLI_MAX_QUALITY;
      const [br, gz] = await Promise.all([
        brotli(content, { params: { [constants.BROTLI_PARAM_QUALITY]: quality, [constants.BROTLI_PARAM_SIZE_HINT]: content.length } }),
        gzipAsync(content, { level: 9 }),
      ]);
      const bySuffix = { br, gzip: gz };
      await Promise.all(PRECOMPRESSED.map(({ encoding, suffix }) => writeFile(file + suffix, bySuffix[encoding])));
      return true;
    }),
  );
  return compressed.filter(Boolean).length;
}

/** After the build has written everything (public files and the service worker included), precompresses the output for the server. */
export function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'sotto-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    async closeBundle() {
      await precompressDirectory(outDir);
    },
  };
}
