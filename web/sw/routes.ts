/**
 * How the service worker answers a request:
 * - shell: a precached file of this build, from the shell cache;
 * - navigation: the page itself, index.html from the shell cache (so its assets always match);
 * - network-first: small JSON the app starts from, kept for offline starts;
 * - models: model files from the network, else from the models cache (which the workers fill);
 * - network: everything else, untouched (POSTs such as /v1/* included, never cached).
 */
export type Strategy = 'shell' | 'navigation' | 'network-first' | 'models' | 'network';

export interface RequestInfo {
  method: string;
  url: string;
  mode: string;
}

/** The JSON the app starts from: network-first, and fetched at install so even the first visit can be replayed offline. */
export const START_UP_DATA = ['/api/config', '/models/manifest.json'];
const NETWORK_FIRST = new Set(START_UP_DATA);
const APP_PAGES = new Set(['/', '/index.html']);

export function strategyFor(request: RequestInfo, origin: string, precached: ReadonlySet<string>): Strategy {
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== origin) return 'network';
  if (request.mode === 'navigate') return APP_PAGES.has(url.pathname) ? 'navigation' : 'network';
  if (NETWORK_FIRST.has(url.pathname)) return 'network-first';
  if (url.pathname.startsWith('/models/')) return 'models';
  if (precached.has(url.pathname) && url.search === '') return 'shell';
  return 'network';
}
