/** Build outputs the service worker never precaches: itself, source maps, models (their own cache) and vite's metadata. */
const EXCLUDED = [/^sw\.js$/, /\.map$/, /^models\//, /^\.vite\//];

/** The URLs of a build's files (paths relative to dist/) that make up the app shell, sorted and without repeats. */
export function precacheUrls(fileNames: Iterable<string>): string[] {
  const kept = [...fileNames].filter((name) => !EXCLUDED.some((pattern) => pattern.test(name)));
  return [...new Set(kept.map((name) => `/${name}`))].sort();
}
