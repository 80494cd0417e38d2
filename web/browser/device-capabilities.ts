import { isSoftwareAdapter, type AdapterIdentity, type DeviceCapabilities } from '../shared/variant-choice.ts';

interface Gpu {
  requestAdapter(): Promise<{ features: ReadonlySet<string>; info?: AdapterIdentity; isFallbackAdapter?: boolean } | null>;
}

/** What chooseExecution and the placement policy need to know of this device's GPU; the same answer in the page and in a worker. */
export async function deviceCapabilities(navigator: object | undefined = globalThis.navigator): Promise<DeviceCapabilities> {
  const gpu = (navigator as { gpu?: Gpu } | undefined)?.gpu;
  const adapter = await gpu?.requestAdapter().catch(() => null);
  if (!adapter) return { webgpuAdapter: false, softwareAdapter: false, shaderF16: false };
  // Older browsers put isFallbackAdapter on the adapter itself rather than in its info.
  const identity = { vendor: '', architecture: '', description: '', ...adapter.info, isFallbackAdapter: adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter };
  return { webgpuAdapter: true, softwareAdapter: isSoftwareAdapter(identity), shaderF16: adapter.features.has('shader-f16') };
}
