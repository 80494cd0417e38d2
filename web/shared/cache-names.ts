/**
 * Cache Storage names shared by the service worker, the page and the model workers. The shell cache is
 * per build, so an old service worker keeps serving its own files until the page reloads onto the new one.
 * Models live in one cache that transformers.js reads too (`env.cacheKey`); bump its suffix only when
 * the stored entries' format changes.
 */
export const MODELS_CACHE = 'sotto-models-v1';
const SHELL_PREFIX = 'sotto-shell-';

export function shellCacheName(version: string): string {
  if (!/^[\w.-]+$/.test(version)) throw new Error(`Invalid build version "${version}"`);
  return `${SHELL_PREFIX}${version}`;
}

/** Shell caches of other builds, which the active service worker deletes; other caches are not ours to touch. */
export function staleShellCaches(names: readonly string[], version: string): string[] {
  const current = shellCacheName(version);
  return names.filter((name) => name.startsWith(SHELL_PREFIX) && name !== current);
}

/** The last answers of /api/config and /models/manifest.json, so the app can start offline. */
export const DATA_CACHE = 'sotto-data-v1';
