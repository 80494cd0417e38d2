import type { DeviceCapabilities } from '../shared/variant-choice.ts';

interface Gpu {
  requestAdapter(): Promise<{ features: ReadonlySet<string> } | null>;
}

/** What chooseExecution needs to know of this device's GPU; the same answer in the page and in a worker. */
export async function deviceCapabilities(): Promise<DeviceCapabilities> {
  const gpu = (globalThis.navigator as { gpu?: Gpu } | undefined)?.gpu;
  const adapter = await gpu?.requestAdapter().catch(() => null);
  return { webgpuAdapter: Boolean(adapter), shaderF16: adapter?.features.has('shader-f16') ?? false };
}
