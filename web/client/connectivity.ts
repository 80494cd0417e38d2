import { element } from './view.ts';

const RECHECK_MS = 30_000;
export const OFFLINE_STATUS = 'Offline: translating on this device';

/**
 * Whether the server answers at all: the service worker starts the app without it, so a failed
 * /healthz (never cached) is how the page learns it runs offline.
 */
async function serverReachable(): Promise<boolean> {
  if (!navigator.onLine) return false;
  return fetch('/healthz', { cache: 'no-store' }).then((response) => response.ok, () => false);
}

/** Keeps #connectivity saying when the app runs without its server; a stopped server leaves navigator.onLine true, hence the re-checks. */
export function watchConnectivity(root: Document): void {
  const status = element(root, 'connectivity');
  const check = async () => {
    const online = await serverReachable();
    status.hidden = online;
    status.textContent = online ? '' : OFFLINE_STATUS;
  };
  root.defaultView?.addEventListener('online', () => void check());
  root.defaultView?.addEventListener('offline', () => void check());
  root.defaultView?.setInterval(() => void check(), RECHECK_MS);
  void check();
}
