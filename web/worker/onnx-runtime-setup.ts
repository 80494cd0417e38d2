import { env, type ProgressInfo } from '@huggingface/transformers';
import type { Precision } from '../../models/manifest-schema.ts';
import type { AsrBackend, LoadProgress } from '../shared/asr-protocol.ts';
import { chooseExecution, choosePrecision, wasmThreadCount, type ExecutionChoice } from '../shared/variant-choice.ts';

/**
 * The transformers.js / ONNX Runtime set-up every model worker shares. Importing this module
 * configures the runtime: ORT's WASM files and the models come from our own origin, never a CDN or the hub.
 */
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = '/models/';
env.useWasmCache = false;
export const onnxWasm = env.backends.onnx.wasm!;
onnxWasm.wasmPaths = { mjs: `${__ORT_BASE__}ort-wasm-simd-threaded.asyncify.mjs`, wasm: `${__ORT_BASE__}ort-wasm-simd-threaded.asyncify.wasm` };
onnxWasm.numThreads = wasmThreadCount(self.navigator.hardwareConcurrency, self.crossOriginIsolated);

interface Gpu {
  requestAdapter(): Promise<{ features: ReadonlySet<string> } | null>;
}

async function deviceCapabilities() {
  const gpu = (self.navigator as WorkerNavigator & { gpu?: Gpu }).gpu;
  const adapter = await gpu?.requestAdapter().catch(() => null);
  return { webgpuAdapter: Boolean(adapter), shaderF16: adapter?.features.has('shader-f16') ?? false };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** transformers.js progress events as the protocol's LoadProgress. */
export function progressCallback(onProgress: (progress: LoadProgress) => void): (info: ProgressInfo) => void {
  return (info) => {
    if (info.status === 'progress') onProgress({ file: info.file, loadedBytes: info.loaded, totalBytes: info.total, done: false });
    if (info.status === 'done') onProgress({ file: info.file, loadedBytes: 0, totalBytes: 0, done: true });
  };
}

export interface ExecutionRequest {
  backend: AsrBackend | 'auto';
  availablePrecisions: Precision[];
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

/** Opens a model with the backend and precision chooseExecution picks; a WebGPU failure falls back to WebAssembly. */
export async function openWithFallback<T>(request: ExecutionRequest, open: (choice: ExecutionChoice) => Promise<T>): Promise<Opened<T>> {
  if (request.threads !== undefined) onnxWasm.numThreads = request.threads;
  const choice = chooseExecution(request.backend, await deviceCapabilities(), request.availablePrecisions);
  const threads = (execution: ExecutionChoice) => (execution.backend === 'wasm' ? (onnxWasm.numThreads ?? 1) : 0);
  try {
    return { opened: await open(choice), execution: choice, threads: threads(choice) };
  } catch (error) {
    if (choice.backend !== 'webgpu') throw error;
    const execution: ExecutionChoice = { backend: 'wasm', precision: choosePrecision('wasm', false, request.availablePrecisions) };
    return {
      opened: await open(execution),
      execution,
      threads: threads(execution),
      fallbackReason: `WebGPU failed (${errorMessage(error)}); using WebAssembly`,
    };
  }
}
