import { Workbox } from 'workbox-window';
import { element } from './view.ts';

/**
 * Registers /sw.js (production builds only; dev serves no service worker). A new version waits until the
 * person presses #update-reload: it then takes over and the page reloads once, so no page runs on a mix
 * of two builds' files.
 */
export function registerServiceWorker(root: Document): void {
  if (import.meta.env.DEV || !('serviceWorker' in navigator)) return;
  const workbox = new Workbox('/sw.js');
  const banner = element(root, 'update-banner');
  const reload = element<HTMLButtonElement>(root, 'update-reload');
  workbox.addEventListener('waiting', () => {
    banner.hidden = false;
  });
  reload.addEventListener('click', () => {
    reload.disabled = true;
    workbox.addEventListener('controlling', () => root.defaultView?.location.reload());
    workbox.messageSkipWaiting();
  });
  root.addEventListener('visibilitychange', () => {
    if (root.visibilityState === 'visible') void workbox.update();
  });
  void workbox.register();
}
