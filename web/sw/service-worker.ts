import { DATA_CACHE, MODELS_CACHE, shellCacheName, staleShellCaches } from '../shared/cache-names.ts';
import { START_UP_DATA, strategyFor, type Strategy } from './routes.ts';

declare const self: ServiceWorkerGlobalScope;

const shellCache = shellCacheName(__SW_VERSION__);
const precached = new Set(__SW_PRECACHE__);

self.addEventListener('install', (event) => {
  // No skipWaiting here: a new version waits until the page consents, so one page never mixes two builds.
  // The first visit's page fetched the start-up data before this worker controlled it; a failure here is no reason to fail the install.
  const startUpData = caches.open(DATA_CACHE).then((cache) => cache.addAll(START_UP_DATA).catch(() => undefined));
  event.waitUntil(
    Promise.all([caches.open(shellCache).then((cache) => cache.addAll(__SW_PRECACHE__.map((url) => new Request(url, { cache: 'no-cache' })))), startUpData]),
  );
});

self.addEventListener('activate', (event) => {
  // Claiming is safe: a first visit already runs this build, and an update activates only on the page's consent.
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(staleShellCaches(names, __SW_VERSION__).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('message', (event) => {
  if ((event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const strategy = strategyFor(event.request, self.location.origin, precached);
  if (strategy !== 'network') event.respondWith(respond(strategy, event.request));
});

async function fromCache(cacheName: string, key: string): Promise<Response | undefined> {
  return (await caches.open(cacheName)).match(key);
}

async function respond(strategy: Exclude<Strategy, 'network'>, request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  switch (strategy) {
    case 'shell':
      return (await fromCache(shellCache, pathname)) ?? fetch(request);
    case 'navigation':
      return (await fromCache(shellCache, '/index.html')) ?? fetch(request);
    case 'models':
      return fetch(request).catch(async (error: unknown) => (await fromCache(MODELS_CACHE, pathname)) ?? Promise.reject(error));
    case 'network-first':
      return networkFirst(request, pathname);
  }
}

async function networkFirst(request: Request, pathname: string): Promise<Response> {
  try {
    const response = await fetch(request);
    if (response.ok) await (await caches.open(DATA_CACHE)).put(pathname, response.clone());
    return response;
  } catch (error) {
    return (await fromCache(DATA_CACHE, pathname)) ?? Promise.reject(error);
  }
}
