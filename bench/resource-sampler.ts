import { readFileSync } from 'node:fs';
import type { Browser, CDPSession, Page } from 'playwright-core';

const INTERVAL_MS = 500;
const QUERY_TIMEOUT_MS = 2_000;
const MB = 1024 * 1024;

export interface ResourceUse {
  /** Peak used JS heap of the page plus its workers (CDP Runtime.getHeapUsage), summed per sample. */
  jsHeapMB: number | null;
  /** Peak resident memory of the page's renderer (WASM memory included) plus the GPU process. */
  rssMB: number | null;
  /** CPU time of the browser's renderer and GPU processes during the phase: the work, whatever else the machine runs. */
  cpuSeconds: number;
}

interface ProcessInfo {
  type: string;
  id: number;
  cpuTime: number;
}

function residentBytes(pid: number): number {
  try {
    const kilobytes = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kilobytes ? Number(kilobytes) * 1024 : 0;
  } catch {
    return 0; // the process has exited
  }
}

const cpuOf = (processes: readonly ProcessInfo[]) => processes.reduce((sum, p) => sum + p.cpuTime, 0);

/**
 * Measures one browser while its page works, phase by phase: `begin()` starts sampling every 500 ms,
 * `end()` stops and gives the phase's peaks and CPU time. Workers are reached through CDP auto-attach
 * (not ORT's nested thread workers: their JS heaps are tiny, and the shared WASM memory shows in RSS).
 */
export class ResourceSampler {
  private readonly workerSessions = new Set<string>();
  private readonly replies = new Map<number, (usedSize: number) => void>();
  private nextMessageId = 0;
  private peak = { heap: 0, rss: 0 };
  private cpuAtBegin = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private sampling: Promise<ProcessInfo[]> | undefined;

  private constructor(
    private readonly pageSession: CDPSession,
    private readonly browserSession: CDPSession,
  ) {
    pageSession.on('Target.attachedToTarget', ({ sessionId, targetInfo }) => {
      if (targetInfo.type === 'worker') this.workerSessions.add(sessionId);
    });
    pageSession.on('Target.detachedFromTarget', ({ sessionId }) => this.workerSessions.delete(sessionId ?? ''));
    pageSession.on('Target.receivedMessageFromTarget', ({ message }) => {
      const reply = JSON.parse(message) as { id?: number; result?: { usedSize: number } };
      if (reply.id !== undefined) this.replies.get(reply.id)?.(reply.result?.usedSize ?? 0);
    });
  }

  static async attach(browser: Browser, page: Page): Promise<ResourceSampler> {
    const sampler = new ResourceSampler(await page.context().newCDPSession(page), await browser.newBrowserCDPSession());
    // Not flattened: playwright's CDPSession reaches child targets only through Target messages.
    await sampler.pageSession.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
    return sampler;
  }

  async begin(): Promise<void> {
    this.peak = { heap: 0, rss: 0 };
    this.cpuAtBegin = cpuOf(await this.sample());
    // A failed sample (the browser closing under it) only loses that sample; end() reports failures.
    this.timer = setInterval(() => void this.sample().catch(() => {}), INTERVAL_MS);
  }

  /** Stops sampling without a result, e.g. when the phase's work failed. */
  stop(): void {
    clearInterval(this.timer);
  }

  async end(): Promise<ResourceUse> {
    this.stop();
    const cpuSeconds = cpuOf(await this.sample()) - this.cpuAtBegin;
    return { jsHeapMB: this.peak.heap ? this.peak.heap / MB : null, rssMB: this.peak.rss ? this.peak.rss / MB : null, cpuSeconds };
  }

  private sample(): Promise<ProcessInfo[]> {
    this.sampling ??= this.measure().finally(() => {
      this.sampling = undefined;
    });
    return this.sampling;
  }

  /** Updates the peaks; returns the renderer and GPU processes (with their CPU time so far). */
  private async measure(): Promise<ProcessInfo[]> {
    const { processInfo } = await this.browserSession.send('SystemInfo.getProcessInfo');
    const renderers = processInfo.filter((p) => p.type === 'renderer');
    const gpu = processInfo.filter((p) => p.type === 'GPU');
    // The page's renderer, which hosts its workers, is the browser's largest once a model is in memory.
    const rss = Math.max(0, ...renderers.map((p) => residentBytes(p.id))) + gpu.reduce((sum, p) => sum + residentBytes(p.id), 0);
    const pageHeap = this.pageSession.send('Runtime.getHeapUsage').then((usage) => usage.usedSize, () => 0);
    const heaps = await Promise.all([pageHeap, ...[...this.workerSessions].map((id) => this.workerHeap(id))]);
    this.peak.heap = Math.max(this.peak.heap, heaps.reduce((sum, used) => sum + used, 0));
    this.peak.rss = Math.max(this.peak.rss, rss);
    return [...renderers, ...gpu];
  }

  private workerHeap(sessionId: string): Promise<number> {
    const id = ++this.nextMessageId;
    return new Promise<number>((resolve) => {
      const timeout = setTimeout(() => resolve(0), QUERY_TIMEOUT_MS);
      this.replies.set(id, (usedSize) => {
        clearTimeout(timeout);
        resolve(usedSize);
      });
      const message = JSON.stringify({ id, method: 'Runtime.getHeapUsage' });
      this.pageSession.send('Target.sendMessageToTarget', { sessionId, message }).catch(() => resolve(0));
    }).finally(() => this.replies.delete(id));
  }
}
