import { describe, expect, it } from 'vitest';
import { chooseExecution, choosePrecision, wasmThreadCount } from './variant-choice.ts';

const all = ['fp32', 'fp16', 'q8', 'q4'] as const;

describe('chooseExecution', () => {
  it('uses WebGPU with fp16 when the adapter has shader-f16', () => {
    expect(chooseExecution('auto', { webgpuAdapter: true, shaderF16: true }, all)).toEqual({ backend: 'webgpu', precision: 'fp16' });
  });
  it('uses WebGPU with fp32 when the adapter lacks shader-f16', () => {
    expect(chooseExecution('auto', { webgpuAdapter: true, shaderF16: false }, all)).toEqual({ backend: 'webgpu', precision: 'fp32' });
  });
  it('falls back to WASM with q8 without an adapter', () => {
    expect(chooseExecution('auto', { webgpuAdapter: false, shaderF16: false }, all)).toEqual({ backend: 'wasm', precision: 'q8' });
  });
  it('honours an explicit WASM request on a WebGPU device', () => {
    expect(chooseExecution('wasm', { webgpuAdapter: true, shaderF16: true }, all)).toEqual({ backend: 'wasm', precision: 'q8' });
  });
  it('refuses WebGPU without an adapter', () => {
    expect(() => chooseExecution('webgpu', { webgpuAdapter: false, shaderF16: false }, all)).toThrow(/no WebGPU adapter/);
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
