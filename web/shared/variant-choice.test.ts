import { describe, expect, it } from 'vitest';
import { chooseExecution, choosePrecision, isSoftwareAdapter, wasmThreadCount } from './variant-choice.ts';

const all = ['fp32', 'fp16', 'q8', 'q4'] as const;

describe('chooseExecution', () => {
  it('uses WebGPU with fp16 when the adapter has shader-f16', () => {
    expect(chooseExecution('auto', { webgpuAdapter: true, softwareAdapter: false, shaderF16: true }, all)).toEqual({ backend: 'webgpu', precision: 'fp16' });
  });
  it('uses WebGPU with fp32 when the adapter lacks shader-f16', () => {
    expect(chooseExecution('auto', { webgpuAdapter: true, softwareAdapter: false, shaderF16: false }, all)).toEqual({ backend: 'webgpu', precision: 'fp32' });
  });
  it('falls back to WASM with q8 without an adapter', () => {
    expect(chooseExecution('auto', { webgpuAdapter: false, softwareAdapter: false, shaderF16: false }, all)).toEqual({ backend: 'wasm', precision: 'q8' });
  });
  it('honours an explicit WASM request on a WebGPU device', () => {
    expect(chooseExecution('wasm', { webgpuAdapter: true, softwareAdapter: false, shaderF16: true }, all)).toEqual({ backend: 'wasm', precision: 'q8' });
  });
  it('takes WASM on a software adapter unless WebGPU is asked for by name', () => {
    const emulated = { webgpuAdapter: true, softwareAdapter: true, shaderF16: false };
    expect(chooseExecution('auto', emulated, all)).toEqual({ backend: 'wasm', precision: 'q8' });
    expect(chooseExecution('webgpu', emulated, all)).toEqual({ backend: 'webgpu', precision: 'fp32' });
  });
  it('refuses WebGPU without an adapter', () => {
    expect(() => chooseExecution('webgpu', { webgpuAdapter: false, softwareAdapter: false, shaderF16: false }, all)).toThrow(/no WebGPU adapter/);
  });
});

describe('isSoftwareAdapter', () => {
  const adapter = (fields: Partial<Parameters<typeof isSoftwareAdapter>[0]>) => ({ vendor: '', architecture: '', description: '', ...fields });
  it('knows the CPU emulations by name, and any adapter that says it is a fallback', () => {
    expect(isSoftwareAdapter(adapter({ vendor: 'google', architecture: 'swiftshader' }))).toBe(true);
    expect(isSoftwareAdapter(adapter({ description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }))).toBe(true);
    expect(isSoftwareAdapter(adapter({ vendor: 'nvidia', isFallbackAdapter: true }))).toBe(true);
  });
  it('takes a hardware adapter as one', () => {
    expect(isSoftwareAdapter(adapter({ vendor: 'nvidia', architecture: 'ada', description: 'NVIDIA H100' }))).toBe(false);
    expect(isSoftwareAdapter(adapter({ vendor: 'apple', architecture: 'metal-3', isFallbackAdapter: false }))).toBe(false);
  });
});

describe('choosePrecision', () => {
  it('takes q4 on WASM when q8 is missing', () => {
    expect(choosePrecision('wasm', false, ['fp32', 'q4'])).toBe('q4');
  });
  it('takes what exists when nothing preferred does', () => {
    expect(choosePrecision('webgpu', true, ['q8'])).toBe('q8');
  });
  it('fails readably with no variants', () => {
    expect(() => choosePrecision('wasm', false, [])).toThrow(/no file variant/);
  });
});

describe('wasmThreadCount', () => {
  it('uses every core of a small machine, leaves one for the page on larger ones, caps at 8', () => {
    expect(wasmThreadCount(1, true)).toBe(1);
    expect(wasmThreadCount(2, true)).toBe(2);
    expect(wasmThreadCount(4, true)).toBe(3);
    expect(wasmThreadCount(32, true)).toBe(8);
  });
  it('is single-threaded without cross-origin isolation', () => {
    expect(wasmThreadCount(8, false)).toBe(1);
  });
});
