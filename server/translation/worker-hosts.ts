import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker, WorkerInit } from './worker-protocol.ts';

/** What the pool needs of an inference worker, whether a thread or a child process; tests substitute fakes. */
export interface WorkerHandle {
  postMessage(message: ToWorker): void;
  on(event: 'message', listener: (message: FromWorker) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'exit', listener: (code: number | null, signal?: NodeJS.Signals | null) => void): unknown;
  /** Stops it at once (the pool asks it to exit first). */
  terminate(): Promise<unknown>;
  /** The child process's id, for operators and fault tests; a thread has none. */
  readonly pid?: number;
}

export type SpawnWorker = (init: WorkerInit) => WorkerHandle;

/** Where the child process finds its WorkerInit (a thread gets it as workerData). */
export const workerInitEnv = 'SOTTO_INFERENCE_WORKER_INIT';

/** Bundled into dist-server/ (`npm run build:server`), the worker is the .js file beside the bundle, run without tsx. */
const compiled = import.meta.url.endsWith('.js');
const entry = new URL(compiled ? './inference-worker.js' : './inference-worker.ts', import.meta.url);

/**
 * A worker thread: cheap to start and to talk to, but it shares the process, so a native crash in
 * ONNX Runtime (or terminate() while a session runs) takes the server down with it.
 */
export function spawnInferenceThread(init: WorkerInit): WorkerHandle {
  if (compiled) return new Worker(entry, { workerData: init, name: 'sotto-inference' });
  const tsx = import.meta.resolve('tsx/esm/api');
  // A worker thread does not inherit its parent's TypeScript loader (tsx, or vitest's): register tsx first.
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: init, name: 'sotto-inference' });
}

/** A child process: slower to start, but a crash, an out-of-memory kill or SIGKILL leaves the server running. */
export function spawnInferenceProcess(init: WorkerInit): WorkerHandle {
  const child = fork(fileURLToPath(entry), [], {
    execArgv: compiled ? [] : ['--import', 'tsx'],
    env: { ...process.env, [workerInitEnv]: JSON.stringify(init) },
    serialization: 'advanced',
  });
  return {
    pid: child.pid,
    postMessage: (message) => {
      if (child.connected) child.send(message);
    },
    on: (event: 'message' | 'error' | 'exit', listener: (...args: never[]) => void) => child.on(event, listener as (...args: unknown[]) => void),
    terminate: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once('exit', resolve);
        child.kill('SIGKILL');
      }),
  };
}
