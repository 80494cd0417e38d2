import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { InferencePool } from './inference-pool.ts';
import type { WorkerHandle } from './worker-hosts.ts';
import type { FromWorker, LoadSpec, ToWorker, WorkerInit } from './worker-protocol.ts';

type Behaviour = (message: Exclude<ToWorker, { type: 'exit' }>, worker: FakeWorker) => void;

class FakeWorker extends EventEmitter implements WorkerHandle {
  readonly received: ToWorker[] = [];

  constructor(private readonly behave: Behaviour) {
    super();
  }

  postMessage(message: ToWorker): void {
    this.received.push(message);
    queueMicrotask(() => (message.type === 'exit' ? this.emit('exit', message.code) : this.behave(message, this)));
  }

  reply(reply: FromWorker): void {
    this.emit('message', reply);
  }

  crash(reason = 'out of memory'): void {
    this.emit('error', new Error(reason));
    this.emit('exit', 1);
  }

  async terminate(): Promise<number> {
    this.emit('exit', 1);
    return 1;
  }
}

const works: Behaviour = (message, worker) => {
  if (message.type === 'load') {
    worker.reply({ type: 'loaded', id: message.id, loaded: { provider: 'cpu', precision: 'q8', failures: [], loadMs: 1 } });
  } else if (message.type === 'unload') {
    worker.reply({ type: 'unloaded', id: message.id });
  } else if (message.type === 'translate') {
    worker.reply({ type: 'translated', id: message.id, outputs: message.job.texts.map((text) => `${text}!`) });
  }
};

const crashesOnTranslate: Behaviour = (message, worker) => (message.type === 'translate' ? worker.crash() : works(message, worker));
const holdsTranslate: Behaviour = (message, worker) => (message.type === 'translate' ? undefined : works(message, worker));

const init: WorkerInit = {
  modelsDir: '/m',
  providers: ['cpu'],
  precision: 'auto',
  threads: { intraOpNumThreads: 1, interOpNumThreads: 1 },
  decoding: { mode: 'pipeline', maxSequences: 1, tokenBudget: 1, beams: 1 },
};
const spec: LoadSpec = { modelId: 'sotto/m', precisions: ['q8'], warmUp: {} };
const job = { modelId: 'sotto/m', texts: ['a', 'b'] };

/** A pool whose n-th spawned worker behaves as `behaviours[n]` (the last one repeating). */
function pool(size: number, ...behaviours: Behaviour[]) {
  return poolTaking(1, size, ...behaviours);
}

function poolTaking(jobsPerWorker: number, size: number, ...behaviours: Behaviour[]) {
  const workers: FakeWorker[] = [];
  const log = vi.fn();
  const p = new InferencePool({
    size,
    init,
    jobsPerWorker,
    log,
    spawn: () => {
      const worker = new FakeWorker(behaviours[Math.min(workers.length, behaviours.length - 1)] ?? works);
      workers.push(worker);
      return worker;
    },
  });
  p.start();
  return { pool: p, workers, log };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('InferencePool', () => {
  it('loads a model on every worker and translates a batch on one of them', async () => {
    const { pool: p, workers } = pool(2, works);
    expect(await p.load(spec)).toEqual({ provider: 'cpu', precision: 'q8', failures: [], loadMs: 1 });
    expect(workers.map((w) => w.received.map((m) => m.type))).toEqual([['load'], ['load']]);
    expect(await p.translate(job)).toEqual({ outputs: ['a!', 'b!'] });
    expect(p.stats()).toEqual({
      workers: [
        { state: 'ready', busy: false, models: ['sotto/m'] },
        { state: 'ready', busy: false, models: ['sotto/m'] },
      ],
      restarts: 0,
    });
  });

  it('gives a continuous decoder several batches at once, the least loaded worker first, and passes on cancellations', async () => {
    const { pool: p, workers } = poolTaking(2, 2, holdsTranslate);
    await p.load(spec);
    const controller = new AbortController();
    const batches = [0, 1, 2, 3, 4].map((i) => p.translate({ ...job, texts: [`t${i}`] }, i === 0 ? controller.signal : undefined));
    await flush();
    expect(workers.map((w) => w.received.filter((m) => m.type === 'translate').length)).toEqual([2, 2]);
    controller.abort();
    const [first] = workers[0]!.received.filter((m) => m.type === 'translate');
    expect(workers[0]!.received.at(-1)).toEqual({ type: 'cancel', id: first!.id });
    for (const batch of batches) batch.catch(() => {});
  });

  it('gives each worker one batch at a time', async () => {
    const { pool: p, workers } = pool(2, holdsTranslate);
    await p.load(spec);
    for (let i = 0; i < 3; i++) void p.translate({ ...job, texts: [`t${i}`] });
    await flush();
    const translating = workers.map((w) => w.received.filter((m) => m.type === 'translate').length);
    expect(translating).toEqual([1, 1]);
    expect(p.stats().workers.every((w) => w.busy)).toBe(true);
  });

  it('retries a batch once on the new worker when its worker dies, after the new one has loaded the model', async () => {
    const { pool: p, workers, log } = pool(1, crashesOnTranslate, works);
    await p.load(spec);
    expect(await p.translate(job)).toEqual({ outputs: ['a!', 'b!'] });
    expect(workers).toHaveLength(2);
    expect(workers[1]!.received.map((m) => m.type)).toEqual(['load', 'translate']);
    expect(p.stats().restarts).toBe(1);
    expect(log).toHaveBeenCalledWith(expect.stringContaining('retrying the batch once'));
  });

  it('fails cleanly with worker-failed when the retry dies too, and serves the next batch', async () => {
    const { pool: p, workers } = pool(1, crashesOnTranslate, crashesOnTranslate, works);
    await p.load(spec);
    await expect(p.translate(job)).rejects.toMatchObject({ name: 'TranslationError', code: 'worker-failed' });
    expect(await p.translate(job)).toEqual({ outputs: ['a!', 'b!'] });
    expect(workers).toHaveLength(3);
  });

  it('reports an error thrown inside the worker as worker-failed without restarting it', async () => {
    const failing: Behaviour = (message, worker) =>
      message.type === 'translate' ? worker.reply({ type: 'failed', id: message.id, message: 'bad input' }) : works(message, worker);
    const { pool: p, workers } = pool(1, failing);
    await p.load(spec);
    await expect(p.translate(job)).rejects.toMatchObject({ code: 'worker-failed', message: expect.stringContaining('bad input') });
    expect(workers).toHaveLength(1);
    expect(p.stats().workers[0]).toMatchObject({ state: 'ready', busy: false });
  });

  it('forgets a model no worker could load, so new workers do not retry it', async () => {
    const refuses: Behaviour = (message, worker) =>
      message.type === 'load' ? worker.reply({ type: 'failed', id: message.id, message: 'no such file' }) : works(message, worker);
    const { pool: p } = pool(2, refuses);
    await expect(p.load(spec)).rejects.toThrow('no such file');
    await expect(p.translate(job)).rejects.toMatchObject({ code: 'model-unavailable' });
  });

  it('refuses batches for a model after it was unloaded', async () => {
    const { pool: p, workers } = pool(1, works);
    await p.load(spec);
    await p.unload(spec.modelId);
    expect(workers[0]!.received.map((m) => m.type)).toEqual(['load', 'unload']);
    await expect(p.translate(job)).rejects.toMatchObject({ code: 'model-unavailable' });
  });

  it('waits for a worker that is coming back rather than failing', async () => {
    const { pool: p, workers } = pool(1, works);
    await p.load(spec);
    workers[0]!.crash();
    const result = p.translate(job);
    expect(p.stats().workers[0]!.state).toBe('respawning');
    expect(await result).toEqual({ outputs: ['a!', 'b!'] });
  });

  it('backs off when workers keep dying before they are ready', async () => {
    vi.useFakeTimers();
    try {
      const diesOnLoad: Behaviour = (message, worker) => (message.type === 'load' ? worker.crash('bad weights') : works(message, worker));
      const { pool: p, workers, log } = pool(1, works, diesOnLoad);
      await p.load(spec);
      workers[0]!.crash();
      await vi.advanceTimersByTimeAsync(0);
      await vi.advanceTimersByTimeAsync(0);
      expect(workers).toHaveLength(2);
      expect(log).toHaveBeenLastCalledWith(expect.stringMatching(/died \(bad weights\); starting a new one in 250 ms/));
      await vi.advanceTimersByTimeAsync(250);
      expect(workers).toHaveLength(3);
      expect(log).toHaveBeenLastCalledWith(expect.stringContaining('in 500 ms'));
      await p.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('stops its workers and fails what waits', async () => {
    const { pool: p } = pool(1, holdsTranslate);
    await p.load(spec);
    const running = p.translate(job);
    const waiting = p.translate(job);
    await flush();
    await p.stop();
    await expect(running).rejects.toMatchObject({ code: 'model-unavailable' });
    await expect(waiting).rejects.toMatchObject({ code: 'model-unavailable' });
    expect(p.stats().workers[0]!.state).toBe('stopped');
  });
});
