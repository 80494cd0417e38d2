import { ensureTinyModels, startTranslationServer } from '../../testing/load/translation-server.ts';

/** Whether the cuda scenarios can run here, asked of the server itself before any measurement. */
export type CudaCheck = { available: true; gpu: string } | { available: false; reason: string };

const probeModel = 'sotto/opus-mt-en-de-tiny-random';

/**
 * A GPU (`gpu`: the host's, see host-info.ts), and a server that loads the tiny Marian model with SOTTO_PROVIDERS=cuda alone (no CPU to fall
 * back to): its failure names what is missing (the CUDA provider library, a driver, a kernel).
 */
export async function checkCuda(gpu: string | null): Promise<CudaCheck> {
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
