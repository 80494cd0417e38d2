import type { Page } from 'playwright-core';

export interface ProbedTranscriptEvent {
  type: 'partial' | 'final';
  segmentId: number;
  text: string;
  /** Of a partial: its words that are committed. */
  committedText?: string;
  /** The transcript's final and partial spans right after the app handled the event; tentative: the partial's words marked as such, with their hint. */
  shown: { final: string; partial: string; tentative: string; tentativeHint: string | null };
}

interface ProbedPage {
  __transcriptEvents: ProbedTranscriptEvent[];
}

/**
 * Runs in the page before the app: the ASR worker's transcript events reach the page through a
 * MessagePort (comlink's proxied callback), so a second 'message' listener, added after the app's,
 * sees each event together with what the app rendered for it. Self-contained: Playwright sends
 * its source text to the page. Typed loosely because e2e code compiles without the DOM library.
 */
function installTranscriptProbe(): void {
  type Listener = (event: { data: unknown }) => void;
  interface Port {
    addEventListener(type: string, listener: Listener, options?: unknown): void;
  }
  const page = globalThis as unknown as ProbedPage & {
    MessagePort: { prototype: Port };
    document: { querySelector(selector: string): { textContent: string | null; getAttribute(name: string): string | null } | null };
  };
  page.__transcriptEvents = [];
  const probed = new WeakSet<object>();
  const findEvent = (data: unknown, depth: number): Omit<ProbedTranscriptEvent, 'shown'> | undefined => {
    if (typeof data !== 'object' || data === null || depth > 4) return undefined;
    const candidate = data as Partial<ProbedTranscriptEvent>;
    if ((candidate.type === 'partial' || candidate.type === 'final') && typeof candidate.segmentId === 'number' && typeof candidate.text === 'string') {
      const committed = typeof candidate.committedText === 'string' ? { committedText: candidate.committedText } : {};
      return { type: candidate.type, segmentId: candidate.segmentId, text: candidate.text, ...committed };
    }
    for (const value of Object.values(data)) {
      const found = findEvent(value, depth + 1);
      if (found) return found;
    }
    return undefined;
  };
  const spanText = (name: string) => page.document.querySelector(`#transcript .${name}`)?.textContent ?? '';
  const original = page.MessagePort.prototype.addEventListener;
  page.MessagePort.prototype.addEventListener = function (this: Port, type: string, listener: Listener, options?: unknown) {
    original.call(this, type, listener, options);
    if (type !== 'message' || probed.has(this)) return;
    probed.add(this);
    original.call(this, 'message', (message: { data: unknown }) => {
      const event = findEvent(message.data, 0);
      if (!event) return;
      const tentativeHint = page.document.querySelector('#transcript .partial .tentative')?.getAttribute('title') ?? null;
      page.__transcriptEvents.push({ ...event, shown: { final: spanText('final'), partial: spanText('partial'), tentative: spanText('partial .tentative'), tentativeHint } });
    });
  };
}

export async function installProbe(page: Page): Promise<void> {
  await page.addInitScript(installTranscriptProbe);
}

/** The transcript events the page received so far, oldest first. */
export async function probedEvents(page: Page): Promise<ProbedTranscriptEvent[]> {
  return page.evaluate(() => (globalThis as unknown as ProbedPage).__transcriptEvents);
}

/** Waits until the app has received more than `seen` non-empty transcript events of this type. */
export async function waitForEvent(page: Page, type: ProbedTranscriptEvent['type'], seen = 0): Promise<void> {
  // A function, not a string: the app's CSP forbids the eval a string predicate needs.
  await page.waitForFunction(
    ({ wanted, seen }) => (globalThis as unknown as ProbedPage).__transcriptEvents.filter((event) => event.type === wanted && event.text.trim()).length > seen,
    { wanted: type, seen },
  );
}

/** How the app shows a segment's text: trimmed, runs of white space as one space. */
export function displayed(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}
