import type { Page } from 'playwright-core';

/** Page-side timing for the pipeline benchmark: when each segment's transcript row and its translation first showed. */

export interface RowTimes {
  /** performance.now() when the segment's transcript row appeared. */
  final?: number;
  /** performance.now() when its translation row turned done. */
  translated?: number;
}

interface TimedPage {
  __rowTimes: Record<string, RowTimes>;
}

/** Runs in the page: self-contained and typed loosely, as bench code compiles without the DOM library. */
function installRowTimer(): void {
  interface Row {
    getAttribute(name: string): string | null;
  }
  interface Doc {
    querySelector(selector: string): object | null;
    querySelectorAll(selector: string): Iterable<Row>;
  }
  const page = globalThis as unknown as TimedPage & {
    document: Doc;
    MutationObserver: new (callback: () => void) => { observe(target: object, options: object): void };
  };
  page.__rowTimes = {};
  const marks: [string, keyof RowTimes][] = [
    ['#transcript [data-segment-id]', 'final'],
    ['#translation [data-segment-id][data-status="done"]', 'translated'],
  ];
  // No named function inside: tsx would wrap it in a helper (__name) the page does not have.
  new page.MutationObserver(() => {
    const now = performance.now();
    for (const [selector, field] of marks) {
      for (const row of page.document.querySelectorAll(selector)) {
        const times = (page.__rowTimes[row.getAttribute('data-segment-id')!] ??= {});
        times[field] ??= now;
      }
    }
  }).observe(page.document.querySelector('.columns')!, { subtree: true, childList: true, attributes: true, characterData: true });
}

export function installTimer(page: Page): Promise<void> {
  return page.evaluate(installRowTimer);
}

export function rowTimes(page: Page): Promise<Record<string, RowTimes>> {
  return page.evaluate(() => (globalThis as unknown as TimedPage).__rowTimes);
}

export function pageNow(page: Page): Promise<number> {
  return page.evaluate(() => performance.now());
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
