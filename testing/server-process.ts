import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { repoRoot } from '../e2e/support/paths.ts';

export interface RunningServer {
  url: string;
  port: number;
  /** Everything the process printed, for assertions and failure messages. */
  output(): string;
  stop(): Promise<void>;
  /** Sends the process a signal, e.g. SIGTERM to test a graceful shutdown. */
  signal(name: NodeJS.Signals): void;
  /** The exit code once the process has exited (null when a signal ended it). */
  exited: Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Node's arguments for a server process: the TypeScript entry point, as `npm start` runs it after its build. */
export const sourceServerEntry = ['--import', 'tsx', 'server/main.ts'];
/** The same server with `POST /admin/test/faults` (testing/fault-server.ts). */
export const faultServerEntry = ['--import', 'tsx', 'testing/fault-server.ts'];
/** The compiled server, as the container image runs it (`npm run build:server` first): no tsx. */
export const compiledServerEntry = ['dist-server/main.js'];

/**
 * Starts the real server process (`entry`: the TypeScript server by default) and waits for /healthz.
 * `port` restarts a server where a stopped one was, so open pages find it again.
 */
export async function startServer(
  env: Record<string, string> = {},
  timeoutMs = 120_000,
  port?: number,
  entry: readonly string[] = sourceServerEntry,
): Promise<RunningServer> {
  port ??= await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const child: ChildProcess = spawn(process.execPath, entry, {
    cwd: repoRoot,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`The server exited with code ${child.exitCode}:\n${output}`);
    const healthy = await fetch(`${url}healthz`).then((r) => r.ok, () => false);
    if (healthy) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`The server did not become healthy within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    port,
    output: () => output,
    signal: (name) => void child.kill(name),
    exited,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** Waits until /readyz answers 200: the translation model is loaded (the page's first probe would get a 503 before). */
export async function waitUntilReady(server: RunningServer, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fetch(`${server.url}readyz`).then((response) => response.ok, () => false))) {
    if (Date.now() > deadline) throw new Error(`The server did not become ready within ${timeoutMs} ms:\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
