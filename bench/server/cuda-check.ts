import { spawnSync } from 'node:child_process';
import { ensureTinyModels, startTranslationServer } from '../../testing/load/translation-server.ts';

/** Whether the cuda scenarios can run here, asked of the server itself before any measurement. */
export type CudaCheck = { available: true; gpu: string } | { available: false; reason: string };

const probeModel = 'sotto/opus-mt-en-de-tiny-random';

/** The GPUs' names as `nvidia-smi` lists them, joined; null when there is no NVIDIA GPU or no driver. */
export function gpuName(): string | null {
  const result = spawnSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0 || !result.stdout) return null;
  const names = result.stdout.split('\n').map((line) => line.trim()).filter(Boolean);
  return names.length === 0 ? null : names.join(', ');
}

/**
 * A GPU, and a server that loads the tiny Marian model with SOTTO_PROVIDERS=cuda alone (no CPU to fall
 * back to): its failure names what is missing (the CUDA provider library, a driver, a kernel).
 */
export async function checkCuda(): Promise<CudaCheck> {
  const gpu = gpuName();
  if (gpu === null) return { available: false, reason: 'no NVIDIA GPU here (nvidia-smi is missing or lists none)' };
  if (!ensureTinyModels()) return { available: false, reason: `${probeModel} is missing and could not be generated` };
  try {
    const server = await startTranslationServer({ SOTTO_TRANSLATION_MODELS: probeModel, SOTTO_PROVIDERS: 'cuda', SOTTO_INFERENCE_ISOLATION: 'thread' });
    await server.stop();
    return { available: true, gpu };
  } catch (err) {
    const line = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
    return { available: false, reason: `${gpu} found, but the server could not open a model on CUDA: ${line}` };
  }
}
