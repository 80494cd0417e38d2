import { PRECISIONS, type Precision } from '../../contract/manifest-schema.ts';
import type { LoadProgress } from '../shared/asr-protocol.ts';
import { MODELS_CACHE } from '../shared/cache-names.ts';
import { modelUrlPrefix, type ModelFileRef } from '../shared/model-storage.ts';

/**
 * The models cache, shared by the page's model manager and the model workers. Files go in under their
 * /models/ URL, which is where transformers.js (env.cacheKey = MODELS_CACHE) looks before it fetches,
 * so a model downloaded here is never downloaded or stored a second time.
 */

/** Tells every page and worker of this origin that the models cache changed (the model manager listens). */
export const MODELS_CHANGED_CHANNEL = 'sotto-models-changed';

function announceChange(): void {
  const channel = new BroadcastChannel(MODELS_CHANGED_CHANNEL);
  channel.postMessage('changed');
  channel.close();
}

async function downloadFile(cache: Cache, file: ModelFileRef, onProgress: (progress: LoadProgress) => void, signal?: AbortSignal): Promise<void> {
  // no-store: the HTTP cache would otherwise keep a second copy of every model file.
  const response = await fetch(file.url, { cache: 'no-store', ...(signal ? { signal } : {}) });
  if (!response.ok || !response.body) throw new Error(`Could not download ${file.url} (HTTP ${response.status})`);
  const totalBytes = file.bytes ?? (Number(response.headers.get('content-length')) || 0);
  let loadedBytes = 0;
  const counted = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        loadedBytes += chunk.byteLength;
        onProgress({ file: file.url, loadedBytes, totalBytes, done: false });
        controller.enqueue(chunk);
      },
    }),
  );
  await cache.put(file.url, new Response(counted, { headers: response.headers }));
  onProgress({ file: file.url, loadedBytes, totalBytes, done: true });
}

/** Downloads the files not yet in the models cache, one after another, streaming each into the cache. */
export async function downloadModelFiles(files: readonly ModelFileRef[], onProgress: (progress: LoadProgress) => void, signal?: AbortSignal): Promise<void> {
  const cache = await caches.open(MODELS_CACHE);
  for (const file of files) {
    signal?.throwIfAborted();
    if (await cache.match(file.url)) onProgress({ file: file.url, loadedBytes: file.bytes ?? 0, totalBytes: file.bytes ?? 0, done: true });
    else await downloadFile(cache, file, onProgress, signal);
  }
  announceChange();
}

async function allCached(cache: Cache, files: readonly ModelFileRef[]): Promise<boolean> {
  const hits = await Promise.all(files.map((file) => cache.match(file.url)));
  return hits.every(Boolean);
}

/** The first precision (in PRECISIONS order) whose files are all in the models cache, if any. */
export async function cachedPrecision(variants: Partial<Record<Precision, ModelFileRef[]>>, cacheStorage: CacheStorage | undefined = globalThis.caches): Promise<Precision | undefined> {
  if (!cacheStorage || !(await cacheStorage.has(MODELS_CACHE))) return undefined;
  const cache = await cacheStorage.open(MODELS_CACHE);
  for (const precision of PRECISIONS) {
    const files = variants[precision];
    if (files && (await allCached(cache, files))) return precision;
  }
  return undefined;
}

/** Removes every file of the model, in any precision, from the models cache. */
export async function deleteModelFiles(modelId: string): Promise<void> {
  const cache = await caches.open(MODELS_CACHE);
  const prefix = modelUrlPrefix(modelId);
  const keys = await cache.keys();
  await Promise.all(keys.filter((request) => new URL(request.url).pathname.startsWith(prefix)).map((request) => cache.delete(request)));
  announceChange();
}
