import { describe, expect, it } from 'vitest';
import { FakeWorker } from '../../testing/web/fake-worker.ts';
import { AbortError, WorkerBridge } from './worker-bridge.ts';

interface EchoApi {
  load(name: string): Promise<string>;
  echo(text: string, delayMs: number): Promise<string>;
  note(text: string): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function echoBridge(options: { idleMs?: number; failLoads?: number; loadDelayMs?: number } = {}) {
  const log = { loads: 0, notes: [] as string[] };
  const { createWorker, workers } = FakeWorker.factory((index) => ({
    load: async (name: string) => {
      log.loads += 1;
      await sleep(options.loadDelayMs ?? 0);
      if (log.loads <= (options.failLoads ?? 0)) throw new Error(`load ${log.loads} failed`);
      return `${name}@${index}`;
    },
    echo: async (text: string, delayMs: number) => {
      await sleep(delayMs);
      return text;
    },
    note: (text: string) => void log.notes.push(text),
  }));
  const bridge = new WorkerBridge<EchoApi, string>({
    createWorker,
    idleMs: options.idleMs ?? 60_000,
    prepare: (api) => api.load('model'),
  });
  return { bridge, workers, log };
}

describe('WorkerBridge', () => {
  it('starts nothing until the first call, then prepares once for concurrent calls', async () => {
    const { bridge, workers, log } = echoBridge({ loadDelayMs: 20 });
    expect(workers).toHaveLength(0);
    const results = await Promise.all([bridge.call((api, loaded) => api.echo(loaded, 0)), bridge.call((api) => api.echo('b', 0))]);
    expect(results).toEqual(['model@0', 'b']);
    expect(workers).toHaveLength(1);
    expect(log.loads).toBe(1);
    bridge.terminate();
  });

  it('refuses calls before a preparation is set, with the configured message', async () => {
    const { createWorker, workers } = FakeWorker.factory(() => ({}));
    const bridge = new WorkerBridge<EchoApi, string>({ createWorker, notPrepared: 'Load a model first' });
    await expect(bridge.call(() => 'x')).rejects.toThrow('Load a model first');
    expect(workers).toHaveLength(0);
  });

  it('prepare() replaces the preparation and runs it on the running worker', async () => {
    const { bridge, workers } = echoBridge();
    await bridge.call(() => undefined);
    expect(await bridge.prepare((api) => api.load('other'))).toBe('other@0');
    expect(await bridge.call((_api, loaded) => loaded)).toBe('other@0');
    expect(workers).toHaveLength(1);
    bridge.terminate();
  });

  it('terminates on abort during a call, rejects with AbortError, and prepares a new worker on the next call', async () => {
    const { bridge, workers, log } = echoBridge();
    const controller = new AbortController();
    const pending = bridge.call((api) => api.echo('slow', 10_000), controller.signal);
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    expect(workers[0]!.terminated).toBe(true);
    expect(bridge.running).toBe(false);
    expect(await bridge.call((_api, loaded) => loaded)).toBe('model@1');
    expect(log.loads).toBe(2);
    bridge.terminate();
  });

  it('aborts during the preparation too', async () => {
    const { bridge, workers } = echoBridge({ loadDelayMs: 10_000 });
    const controller = new AbortController();
    const pending = bridge.call(() => 'never', controller.signal);
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    expect(workers[0]!.terminated).toBe(true);
  });

  it('rejects an already aborted signal without waiting', async () => {
    const { bridge } = echoBridge();
    await expect(bridge.call(() => 'x', AbortSignal.abort())).rejects.toBeInstanceOf(AbortError);
    expect(bridge.running).toBe(false);
  });

  it('terminates a worker whose preparation failed, and tries a fresh one on the next call', async () => {
    const { bridge, workers } = echoBridge({ failLoads: 1 });
    await expect(bridge.call(() => 'x')).rejects.toThrow('load 1 failed');
    expect(workers[0]!.terminated).toBe(true);
    expect(await bridge.call((_api, loaded) => loaded)).toBe('model@1');
    bridge.terminate();
  });

  it('terminates after the idle time, and not while held', async () => {
    const { bridge, workers, log } = echoBridge({ idleMs: 40 });
    bridge.hold();
    await bridge.call(() => undefined);
    bridge.post((api) => api.note('kept'));
    await sleep(100);
    expect(workers[0]!.terminated).toBe(false);
    expect(log.notes).toEqual(['kept']);
    bridge.release();
    await sleep(100);
    expect(workers[0]!.terminated).toBe(true);
  });

  it('drops posted work unless the worker is running and held', async () => {
    const { bridge, log } = echoBridge();
    bridge.post((api) => api.note('before start'));
    await bridge.call(() => undefined);
    bridge.post((api) => api.note('not held'));
    await bridge.call((api) => api.echo('flush', 0));
    expect(log.notes).toEqual([]);
    bridge.terminate();
  });
});
