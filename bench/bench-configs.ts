import { DETECT_LANGUAGE } from '../web/shared/language-detection.ts';
import type { Engine } from './browser/bench-protocol.ts';

export interface BenchConfig {
  id: string;
  label: string;
  engine: Engine;
  /** Launch Chromium with WebGPU (SwiftShader where there is no GPU). */
  webgpu: boolean;
}

export const BENCH_CONFIGS: readonly BenchConfig[] = [
  { id: 'wasm-1t', label: 'WASM, 1 thread, live stream', engine: { kind: 'sotto', backend: 'wasm', threads: 1, input: 'stream' }, webgpu: false },
  { id: 'wasm-mt', label: "WASM, app's thread count, live stream", engine: { kind: 'sotto', backend: 'wasm', input: 'stream' }, webgpu: false },
  { id: 'webgpu', label: 'WebGPU, live stream', engine: { kind: 'sotto', backend: 'webgpu', input: 'stream' }, webgpu: true },
  { id: 'wasm-mt-file', label: "WASM, app's thread count, opened file", engine: { kind: 'sotto', backend: 'wasm', input: 'file' }, webgpu: false },
  { id: 'wasm-mt-file-detect', label: "WASM, app's thread count, opened file, language detected", engine: { kind: 'sotto', backend: 'wasm', input: 'file', language: DETECT_LANGUAGE }, webgpu: false },
  { id: 'plain', label: 'plain pipeline (baseline)', engine: { kind: 'plain-pipeline' }, webgpu: false },
];

export function selectConfigs(ids: readonly string[]): BenchConfig[] {
  return ids.map((id) => {
    const config = BENCH_CONFIGS.find((c) => c.id === id);
    if (!config) throw new Error(`Unknown configuration "${id}" (known: ${BENCH_CONFIGS.map((c) => c.id).join(', ')})`);
    return config;
  });
}
