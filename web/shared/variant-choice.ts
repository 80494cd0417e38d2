import type { Precision } from '../../contract/manifest-schema.ts';
import type { AsrBackend } from './asr-protocol.ts';

export interface DeviceCapabilities {
  webgpuAdapter: boolean;
  /** The adapter computes on the CPU (SwiftShader, llvmpipe…): WebGPU only emulated, far slower than WASM. */
  softwareAdapter: boolean;
  shaderF16: boolean;
}

/** What a WebGPU adapter says of itself (GPUAdapterInfo; isFallbackAdapter in newer browsers). */
export interface AdapterIdentity {
  vendor: string;
  architecture: string;
  description: string;
  isFallbackAdapter?: boolean;
}

/** A GPU worth placing work on: an adapter that is not a CPU emulation. */
export function hasHardwareWebgpu(device: DeviceCapabilities): boolean {
  return device.webgpuAdapter && !device.softwareAdapter;
}

/** A software adapter computes on the CPU, so WebGPU there only emulates a GPU. */
export function isSoftwareAdapter(adapter: AdapterIdentity): boolean {
  return adapter.isFallbackAdapter === true || /swiftshader|llvmpipe|lavapipe|software/i.test(`${adapter.architecture} ${adapter.vendor} ${adapter.description}`);
}

export interface ExecutionChoice {
  backend: AsrBackend;
  precision: Precision;
}

/** Preferred precisions per backend, best first: half precision where the GPU computes it, 8/4-bit on CPU. */
const PREFERENCES: Record<string, Precision[]> = {
  'webgpu-f16': ['fp16', 'fp32', 'q4', 'q8'],
  webgpu: ['fp32', 'q4', 'fp16', 'q8'],
  wasm: ['q8', 'q4', 'fp32', 'fp16'],
};

export function choosePrecision(backend: AsrBackend, shaderF16: boolean, available: readonly Precision[]): Precision {
  const key = backend === 'webgpu' && shaderF16 ? 'webgpu-f16' : backend;
  const precision = PREFERENCES[key]!.find((p) => available.includes(p));
  if (!precision) throw new Error('The model offers no file variant to load');
  return precision;
}

/** 'auto' takes WebGPU on a hardware adapter only; an explicit 'webgpu' runs on any adapter (to compare, or to test). */
export function chooseExecution(requested: AsrBackend | 'auto', device: DeviceCapabilities, available: readonly Precision[]): ExecutionChoice {
  const backend: AsrBackend = requested === 'auto' ? (hasHardwareWebgpu(device) ? 'webgpu' : 'wasm') : requested;
  if (backend === 'webgpu' && !device.webgpuAdapter) throw new Error('WebGPU was requested but this browser has no WebGPU adapter');
  return { backend, precision: choosePrecision(backend, device.shaderF16, available) };
}

/**
 * ORT's WASM threads: every core on small machines, all but one (for the page and audio) on larger
 * ones, capped where returns diminish; one without cross-origin isolation (no SharedArrayBuffer).
 */
export function wasmThreadCount(hardwareConcurrency: number, crossOriginIsolated: boolean): number {
  if (!crossOriginIsolated) return 1;
  if (hardwareConcurrency <= 2) return Math.max(1, hardwareConcurrency);
  return Math.min(8, hardwareConcurrency - 1);
}
