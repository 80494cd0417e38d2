import type { BrowserContext, CDPSession, Page, Request } from 'playwright-core';
import { sniffAudio } from './audio-sniff.ts';

/** From this size on a body is flagged whatever it holds: the app has nothing that large to send. */
const LARGE_BODY_BYTES = 1024;
/** Longer URLs are flagged: nothing the app requests needs one, and a query string could carry data. */
const MAX_URL_CHARS = 2048;

type Headers = Record<string, string>;

/** A request as either recorder saw it: enough to judge it. */
interface SeenRequest {
  /** Who sent it: a CDP target type ('page', 'worker', …), or 'playwright' for Playwright's own view. */
  target: string;
  method: string;
  url: string;
  /** Undefined when the request has a body that could not be read. */
  body: Buffer | undefined;
}

export interface AuditedRequest extends SeenRequest {
  /** Request line and headers; Chromium's raw headers as sent where it reports them. */
  headerBytes: number;
  /** Answered by the HTTP cache, so nothing went over the network. */
  fromCache: boolean;
}

export interface AuditReport {
  /** What the CDP tap saw: the page and every worker it started, nested ones included. */
  requests: AuditedRequest[];
  /** Problems, one line each: audio or a large body leaving the page, a foreign origin, a socket. */
  findings: string[];
  /**
   * "METHOD url (recorder)" of requests with a body seen by only one of the two recorders, 'cdp' or 'playwright':
   * each checks the other on what could carry audio. Bodiless GETs are left out: a worker's first fetches may
   * precede the CDP tap (see tappedTargets), and they carry nothing but a URL, which is judged (origin, length).
   */
  unmatched: string[];
  /**
   * URLs the page's workers requested. A worker's first fetches may precede its CDP tap (see tappedTargets), so
   * this also counts what Playwright saw (every request of the context) that neither the page's own tap, attached
   * before the first navigation, nor the service worker sent.
   */
  workerUrls: string[];
  /** What went over the network (cache hits excluded). */
  sent: { requests: number; headerBytes: number; bodyBytes: number };
}

interface CdpRequest {
  url: string;
  method: string;
  headers: Headers;
  hasPostData?: boolean;
  postDataEntries?: Array<{ bytes?: string }>;
}

/** What the CDP taps saw, keyed by Chromium's request id where events about one request arrive apart. */
class CdpLog {
  readonly requests: Array<{ requestId: string; target: string; request: CdpRequest }> = [];
  readonly rawHeaders = new Map<string, Headers>();
  readonly cacheHits = new Set<string>();
  readonly sockets: string[] = [];
  /** URLs of the child targets whose network events are being recorded. */
  readonly tapped: string[] = [];
}

function headerBytes(method: string, url: string, headers: Headers): number {
  const { pathname, search } = new URL(url);
  const lines = [`${method} ${pathname}${search} HTTP/1.1`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  return Buffer.byteLength(`${lines.join('\r\n')}\r\n\r\n`);
}

function cdpBody(request: CdpRequest): Buffer | undefined {
  if (!request.hasPostData) return Buffer.alloc(0);
  // Chromium leaves the entries out for bodies it cannot show (streams, large blobs).
  if (!request.postDataEntries?.length) return undefined;
  return Buffer.concat(request.postDataEntries.map((entry) => Buffer.from(entry.bytes ?? '', 'base64')));
}

type Send = (method: string, params?: object) => Promise<unknown>;

/**
 * Network events of one CDP target, and of the targets it starts. Children are attached in
 * non-flattened mode, so their messages travel inside this target's session: that works on the
 * page session Playwright hands out, which cannot address flattened child sessions.
 */
class TargetTap {
  private readonly children = new Map<string, TargetTap>();
  private nextMessageId = 1;

  constructor(
    private readonly send: Send,
    private readonly type: string,
    private readonly log: CdpLog,
  ) {}

  async start(): Promise<void> {
    await this.send('Network.enable');
    // Workers wait for a debugger before their first line; see tappedTargets() for the catch.
    await this.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: false });
  }

  handle(method: string, params: Record<string, unknown>): void {
    switch (method) {
      case 'Network.requestWillBeSent':
        this.log.requests.push({ requestId: params.requestId as string, target: this.type, request: params.request as CdpRequest });
        break;
      case 'Network.requestWillBeSentExtraInfo':
        this.log.rawHeaders.set(params.requestId as string, params.headers as Headers);
        break;
      case 'Network.requestServedFromCache':
        this.log.cacheHits.add(params.requestId as string);
        break;
      case 'Network.responseReceived': {
        const response = params.response as { fromDiskCache?: boolean; fromPrefetchCache?: boolean };
        if (response.fromDiskCache || response.fromPrefetchCache) this.log.cacheHits.add(params.requestId as string);
        break;
      }
      case 'Network.webSocketCreated':
        this.log.sockets.push(`WebSocket ${params.url as string} (${this.type}): a socket could stream audio`);
        break;
      case 'Target.attachedToTarget': {
        const target = params.targetInfo as { type: string; url: string };
        void this.attach(params.sessionId as string, target.type, target.url);
        break;
      }
      case 'Target.receivedMessageFromTarget': {
        const message = JSON.parse(params.message as string) as { method?: string; params?: Record<string, unknown> };
        if (message.method) this.children.get(params.sessionId as string)?.handle(message.method, message.params ?? {});
        break;
      }
      case 'Target.detachedFromTarget':
        this.children.delete(params.sessionId as string);
        break;
    }
  }

  private async attach(sessionId: string, type: string, url: string): Promise<void> {
    const send: Send = (method, params = {}) =>
      this.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: this.nextMessageId++, method, params }) });
    const child = new TargetTap(send, type, this.log);
    this.children.set(sessionId, child);
    // A target may go away while it is being set up; there is nothing left to record then.
    await child
      .start()
      .then(() => {
        this.log.tapped.push(url);
        return send('Runtime.runIfWaitingForDebugger');
      })
      .catch(() => undefined);
  }
}

/**
 * Records every request a page and its workers make, twice: through CDP (page session plus
 * auto-attached workers: raw headers, bodies, cache hits) and through Playwright's context-level
 * request events (which include worker requests). Judges both: bodies that carry audio or
 * weigh 1 KB or more, and requests to any origin but the server's.
 */
export class NetworkAudit {
  private readonly log = new CdpLog();
  private readonly playwrightRequests: SeenRequest[] = [];
  private readonly onRequest = (request: Request) => {
    this.playwrightRequests.push({ target: request.serviceWorker() ? 'service_worker' : 'playwright', method: request.method(), url: request.url(), body: request.postDataBuffer() ?? Buffer.alloc(0) });
  };

  private constructor(
    private readonly origin: string,
    private readonly context: BrowserContext,
    private readonly session: CDPSession,
  ) {}

  /** Starts recording before the page's first navigation; `serverUrl` is the one allowed origin. */
  static async attach(page: Page, serverUrl: string): Promise<NetworkAudit> {
    const context = page.context();
    const session = await context.newCDPSession(page);
    const audit = new NetworkAudit(new URL(serverUrl).origin, context, session);
    const root = new TargetTap((method, params) => session.send(method as 'Network.enable', params), 'page', audit.log);
    session.on('event', ({ method, params }) => root.handle(method, (params ?? {}) as Record<string, unknown>));
    await root.start();
    context.on('request', audit.onRequest);
    return audit;
  }

  /**
   * URLs of the workers (and other child targets) being recorded. Playwright resumes a new worker
   * as soon as it has attached itself, so a worker's first instant of work may precede the tap.
   */
  tappedTargets(): readonly string[] {
    return this.log.tapped;
  }

  /** Stops recording and judges what was recorded. */
  async finish(): Promise<AuditReport> {
    this.context.off('request', this.onRequest);
    await this.session.detach().catch(() => undefined);
    const { log } = this;
    const requests = log.requests.map(({ requestId, target, request }) => ({
      target,
      method: request.method,
      url: request.url,
      headerBytes: headerBytes(request.method, request.url, log.rawHeaders.get(requestId) ?? request.headers),
      body: cdpBody(request),
      fromCache: log.cacheHits.has(requestId),
    }));
    const all = [...requests, ...this.playwrightRequests];
    const compared = (request: SeenRequest) => seenByBoth(request) && !(request.body !== undefined && request.body.length === 0 && request.method === 'GET');
    const sentOverNetwork = requests.filter((request) => !request.fromCache);
    const pageUrls = new Set(requests.filter((request) => request.target === 'page').map((request) => request.url));
    const workerUrls = new Set([
      ...requests.filter((request) => request.target === 'worker').map((request) => request.url),
      ...this.playwrightRequests.filter((request) => request.target === 'playwright' && !pageUrls.has(request.url)).map((request) => request.url),
    ]);
    return {
      requests,
      workerUrls: [...workerUrls],
      findings: [...log.sockets, ...all.flatMap((request) => this.judge(request))],
      unmatched: symmetricDifference(requests.filter(compared), this.playwrightRequests.filter(compared)),
      sent: {
        requests: sentOverNetwork.length,
        headerBytes: sentOverNetwork.reduce((sum, request) => sum + request.headerBytes, 0),
        bodyBytes: sentOverNetwork.reduce((sum, request) => sum + (request.body?.length ?? 0), 0),
      },
    };
  }

  private judge({ target, method, url, body }: SeenRequest): string[] {
    const problems: string[] = [];
    const { protocol, origin } = new URL(url);
    // data: URLs are decoded in the page; a blob: URL's origin is the page's that made it.
    if (protocol !== 'data:' && origin !== this.origin) problems.push(`goes to ${origin}, not ${this.origin}`);
    if (protocol !== 'data:' && protocol !== 'blob:' && url.length > MAX_URL_CHARS) problems.push(`URL of ${url.length} characters`);
    if (body === undefined) problems.push('has a body that could not be inspected');
    else {
      const audio = sniffAudio(body);
      if (audio) problems.push(`body carries ${audio} audio`);
      if (body.length >= LARGE_BODY_BYTES) problems.push(`body of ${body.length} bytes`);
    }
    return problems.map((problem) => `${method} ${url} (${target}): ${problem}`);
  }
}

/**
 * The service worker's requests (its script, the shell it precaches: GETs without bodies) reach only
 * Playwright's recorder, as the CDP tap follows the page's workers, not the service worker; they are
 * still judged like every other request.
 */
const seenByBoth = (request: SeenRequest) => request.target !== 'service_worker' && new URL(request.url).pathname !== '/sw.js';

function symmetricDifference(cdp: readonly SeenRequest[], playwright: readonly SeenRequest[]): string[] {
  const key = (request: SeenRequest) => `${request.method} ${request.url}`;
  const cdpKeys = new Set(cdp.map(key));
  const playwrightKeys = new Set(playwright.map(key));
  const only = (keys: Set<string>, others: Set<string>, recorder: string) => [...keys].filter((k) => !others.has(k)).map((k) => `${k} (${recorder})`);
  return [...only(cdpKeys, playwrightKeys, 'cdp'), ...only(playwrightKeys, cdpKeys, 'playwright')].sort();
}
