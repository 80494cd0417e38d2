import { env } from '@huggingface/transformers';
import type { Precision } from '../../contract/manifest-schema.ts';
import type { AsrBackend, LoadProgress } from '../shared/asr-protocol.ts';
import { MODELS_CACHE } from '../shared/cache-names.ts';
import { deviceCapabilities } from '../browser/device-capabilities.ts';
import { downloadModelFiles } from '../browser/model-cache.ts';
import type { ModelFileRef } from '../shared/model-storage.ts';
import { chooseExecution, choosePrecision, wasmThreadCount, type ExecutionChoice } from '../shared/variant-choice.ts';

/**
 * The transformers.js / ONNX Runtime set-up every model worker shares. Importing this module
 * configures the runtime: ORT's WASM files and the models come from our own origin, never a CDN or the hub.
 */
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = '/models/';
env.useWasmCache = false;
// Model files are read from the one cache the page's model manager and downloadModelFiles fill.
env.useBrowserCache = true;
env.cacheKey = MODELS_CACHE;
export const onnxWasm = env.backends.onnx.wasm!;
onnxWasm.wasmPaths = { mjs: `${__ORT_BASE__}ort-wasm-simd-threaded.asyncify.mjs`, wasm: `${__ORT_BASE__}ort-wasm-simd-threaded.asyncify.wasm` };
onnxWasm.numThreads = wasmThreadCount(self.navigator.hardwareConcurrency, self.crossOriginIsolated);

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface ExecutionRequest {
  backend: AsrBackend | 'auto';
  availablePrecisions: Precision[];
  files: Partial<Record<Precision, ModelFileRef[]>>;
  threads?: number;
}

export interface Opened<T> {
  opened: T;
  execution: ExecutionChoice;
  /** WASM threads, 0 on WebGPU. */
  threads: number;
  /** Why the backend differs from the one chosen, e.g. a WebGPU failure. */
  fallbackReason?: string;
}

/**
 * Opens a model with the backend and precision chooseExecution picks; a WebGPU failure falls back to WebAssembly.
 * The chosen variant's files are downloaded into the models cache first, with progress, so `open` reads them
 * from there: pipeline() with a progress_callback and local paths would download each file twice.
 */
export async function openWithFallback<T>(
  request: ExecutionRequest,
  onProgress: (progress: LoadProgress) => void,
  open: (choice: ExecutionChoice) => Promise<T>,
): Promise<Opened<T>> {
  if (request.threads !== undefined) onnxWasm.numThreads = request.threads;
  const choice = chooseExecution(request.backend, await deviceCapabilities(), request.availablePrecisions);
  const threads = (execution: ExecutionChoice) => (execution.backend === 'wasm' ? (onnxWasm.numThreads ?? 1) : 0);
  const downloadAndOpen = async (execution: ExecutionChoice) => {
    await downloadModelFiles(request.files[execution.precision] ?? [], onProgress);
    return open(execution);
  };
  try {
    return { opened: await downloadAndOpen(choice), execution: choice, threads: threads(choice) };
  } catch (error) {
    if (choice.backend !== 'webgpu') throw error;
    const execution: ExecutionChoice = { backend: 'wasm', precision: choosePrecision('wasm', false, request.availablePrecisions) };
    return {
      opened: await downloadAndOpen(execution),
      execution,
      threads: threads(execution),
      fallbackReason: `WebGPU failed (${errorMessage(error)}); using WebAssembly`,
    };
  }
}
