import { readFile } from 'node:fs/promises';
import { quantizeActivationsPerRow } from './row-quantization.ts';

/**
 * A transformers.js custom cache (`env.customCache`, the Web Cache API's match and put) that answers for the
 * dynamically quantized ONNX files of the models folder with their per-row rewrite (see row-quantization.ts),
 * so that every session transformers.js opens on them gives each segment the output it has alone. Other
 * files miss, and transformers.js reads them from the models folder as before.
 */

/** The file name suffixes of transformers.js's dtypes whose files take DynamicQuantizeLinear activations. */
const DYNAMICALLY_QUANTIZED = ['_quantized.onnx', '_int8.onnx', '_uint8.onnx'];

export interface ModelFileCache {
  match(request: string): Promise<Response | undefined>;
  put(request: string, response: Response): Promise<void>;
  /**
   * Runs `open` (transformers.js opening a model through this cache), then drops the rewritten files kept for it.
   * Fails, disposing what was opened, when a file could not be rewritten: transformers.js swallows a cache's
   * errors and would have opened the original, batch-dependent file.
   */
  opening<T extends { dispose(): Promise<void> }>(open: () => Promise<T>): Promise<T>;
}

export function rowQuantizingCache(modelsDir: string, rewrite: (bytes: Uint8Array) => Uint8Array = quantizeActivationsPerRow): ModelFileCache {
  const root = modelsDir.endsWith('/') ? modelsDir : `${modelsDir}/`;
  // transformers.js asks twice for each file it opens (to find it, then for its bytes): rewrite once.
  const rewritten = new Map<string, Promise<Uint8Array>>();
  const failures: string[] = [];
  // After a hit, transformers.js asks again under the file's remote URL (…/{model}/resolve/{revision}/{file}).
  const localPathOf = (url: string) =>
    [...rewritten.keys()].find((local) => {
      const [owner, name, ...file] = local.slice(root.length).split('/');
      return url.includes(`/${owner}/${name}/`) && url.endsWith(`/${file.join('/')}`);
    });
  return {
    async match(asked) {
      const request = asked.startsWith(root) ? asked : localPathOf(asked);
      if (!request || !DYNAMICALLY_QUANTIZED.some((suffix) => request.endsWith(suffix))) return undefined;
      let bytes = rewritten.get(request);
      if (!bytes) {
        bytes = readFile(request).then((original) => {
          try {
            return rewrite(new Uint8Array(original.buffer, original.byteOffset, original.byteLength));
          } catch (err) {
            failures.push(`${request}: ${err instanceof Error ? err.message : String(err)}`);
            throw err;
          }
        });
        rewritten.set(request, bytes);
      }
      try {
        const body = await bytes;
        return new Response(body, { headers: { 'content-length': String(body.byteLength) } });
      } catch {
        // A file that cannot be read is transformers.js's to report, as for any other missing file.
        rewritten.delete(request);
        return undefined;
      }
    },
    async put() {},
    async opening(open) {
      let opened;
      try {
        opened = await open();
      } finally {
        rewritten.clear();
      }
      const failed = failures.splice(0);
      if (failed.length === 0) return opened;
      await opened.dispose();
      throw new Error(
        `Cannot give these quantized files per-row activation scales, so a segment's translation would depend on its batch: ${failed.join('; ')}. Use another precision (SOTTO_TRANSLATION_PRECISION).`,
      );
    },
  };
}
