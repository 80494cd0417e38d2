import type { Precision } from '../../contract/manifest-schema.ts';

/** ONNX Runtime execution providers we try, in the default order of preference. */
export const PROVIDERS = ['cuda', 'webgpu', 'cpu'] as const;
export type Provider = (typeof PROVIDERS)[number];

export interface ProviderFailure {
  provider: Provider;
  message: string;
}

export interface Opened<S> {
  session: S;
  provider: Provider;
  /** The providers tried before it, and why each failed. */
  failures: ProviderFailure[];
}

/**
 * Opens a session on the first provider that works. onnxruntime-node does not fall back by itself
 * (executionProviders ['webgpu', 'cpu'] fails when WebGPU does), so each provider gets its own attempt.
 * `skipped`: providers known not to work here, not tried again, their reasons reported with the others.
 */
export async function openWithFallback<S>(providers: readonly Provider[], open: (provider: Provider) => Promise<S>, skipped: readonly ProviderFailure[] = []): Promise<Opened<S>> {
  const failures: ProviderFailure[] = [...skipped];
  for (const provider of providers) {
    try {
      return { session: await open(provider), provider, failures };
    } catch (err) {
      failures.push({ provider, message: err instanceof Error ? err.message : String(err) });
    }
  }
  const reasons = failures.map((failure) => `${failure.provider}: ${failure.message}`).join('; ');
  throw new Error(`No execution provider could run the model (${reasons || 'none configured'})`);
}

const precisionPreference: Record<'gpu' | 'cpu', readonly Precision[]> = {
  gpu: ['fp16', 'fp32', 'q8', 'q4'],
  // fp16 comes last on the CPU: ONNX Runtime runs most fp16 operators there through casts to fp32.
  cpu: ['q8', 'fp32', 'q4', 'fp16'],
};

/** fp16 on a GPU and q8 on the CPU unless configured otherwise, among the variants the model has. */
export function choosePrecision(provider: Provider, available: readonly Precision[], configured: Precision | 'auto'): Precision {
  const preference = configured === 'auto' ? precisionPreference[provider === 'cpu' ? 'cpu' : 'gpu'] : [configured];
  const precision = preference.find((candidate) => available.includes(candidate));
  if (precision === undefined) {
    throw new Error(`No ${preference.join(' or ')} variant on disk (have: ${available.join(', ') || 'none'})`);
  }
  return precision;
}

export interface Threads {
  intraOpNumThreads: number;
  interOpNumThreads: number;
}

/** The cores split evenly between workers; one inter-op thread, since sessions run their graph sequentially. */
export function threadsPerWorker(cores: number, workers: number): Threads {
  return { intraOpNumThreads: Math.max(1, Math.floor(cores / workers)), interOpNumThreads: 1 };
}

/** One worker per four cores, at most four: enough batches side by side without starving each of threads. */
export function defaultWorkerCount(cores: number): number {
  return Math.min(4, Math.max(1, Math.floor(cores / 4)));
}
