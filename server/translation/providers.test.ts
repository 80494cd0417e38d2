import { describe, expect, it } from 'vitest';
import { choosePrecision, defaultWorkerCount, openWithFallback, threadsPerWorker, type Provider } from './providers.ts';

describe('openWithFallback', () => {
  it('uses the first provider whose session opens, reporting the ones that failed', async () => {
    const tried: Provider[] = [];
    const opened = await openWithFallback(['cuda', 'webgpu', 'cpu'], async (provider) => {
      tried.push(provider);
      if (provider === 'cuda') throw new Error('libcudart.so.12: cannot open shared object file');
      if (provider === 'webgpu') throw new Error('Failed to get a WebGPU adapter');
      return { name: `session on ${provider}` };
    });
    expect(tried).toEqual(['cuda', 'webgpu', 'cpu']);
    expect(opened).toEqual({
      session: { name: 'session on cpu' },
      provider: 'cpu',
      failures: [
        { provider: 'cuda', message: 'libcudart.so.12: cannot open shared object file' },
        { provider: 'webgpu', message: 'Failed to get a WebGPU adapter' },
      ],
    });
  });

  it('stops at the first provider that works', async () => {
    const tried: Provider[] = [];
    const opened = await openWithFallback(['cuda', 'cpu'], async (provider) => {
      tried.push(provider);
      return provider;
    });
    expect(opened).toMatchObject({ provider: 'cuda', failures: [] });
    expect(tried).toEqual(['cuda']);
  });

  it('lists every reason when no provider works', async () => {
    await expect(
      openWithFallback(['webgpu', 'cpu'], async (provider) => {
        throw new Error(`${provider} broke`);
      }),
    ).rejects.toThrow('No execution provider could run the model (webgpu: webgpu broke; cpu: cpu broke)');
    await expect(openWithFallback([], async () => 1)).rejects.toThrow('(none configured)');
  });

  it('reports the providers skipped as unusable with the ones tried', async () => {
    const skipped = [{ provider: 'cuda' as const, message: 'the CUDA provider library is not installed' }];
    await expect(openWithFallback([], async () => 1, skipped)).rejects.toThrow('No execution provider could run the model (cuda: the CUDA provider library is not installed)');
    expect(await openWithFallback(['cpu'], async () => 1, skipped)).toEqual({ session: 1, provider: 'cpu', failures: skipped });
  });
});

describe('choosePrecision', () => {
  const all = ['fp32', 'fp16', 'q8', 'q4'] as const;

  it('picks fp16 on a GPU and q8 on the CPU', () => {
    expect(choosePrecision('cuda', all, 'auto')).toBe('fp16');
    expect(choosePrecision('webgpu', all, 'auto')).toBe('fp16');
    expect(choosePrecision('cpu', all, 'auto')).toBe('q8');
  });

  it('falls back to what the model has', () => {
    expect(choosePrecision('cuda', ['fp32', 'q8'], 'auto')).toBe('fp32');
    expect(choosePrecision('cpu', ['fp16', 'fp32'], 'auto')).toBe('fp32');
  });

  it('honours a configured precision and fails when it is missing', () => {
    expect(choosePrecision('cpu', all, 'fp32')).toBe('fp32');
    expect(() => choosePrecision('cpu', ['q8'], 'fp16')).toThrow('No fp16 variant on disk (have: q8)');
  });
});

describe('threads', () => {
  it('splits the cores between workers, at least one each', () => {
    expect(threadsPerWorker(16, 4)).toEqual({ intraOpNumThreads: 4, interOpNumThreads: 1 });
    expect(threadsPerWorker(2, 1)).toEqual({ intraOpNumThreads: 2, interOpNumThreads: 1 });
    expect(threadsPerWorker(2, 4)).toEqual({ intraOpNumThreads: 1, interOpNumThreads: 1 });
  });

  it('runs one worker per four cores, between one and four', () => {
    expect([1, 2, 4, 8, 16, 64].map(defaultWorkerCount)).toEqual([1, 1, 1, 2, 4, 4]);
  });
});
