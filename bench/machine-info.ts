import { openBenchPage } from './bench-page-driver.ts';
import type { AdapterInfo } from './browser/bench-protocol.ts';
import { hostInfo, type HostInfo } from './server/host-info.ts';

/** The host, plus the browser the ASR benchmark ran in. */
export interface MachineInfo extends HostInfo {
  chromium: string;
  /** What navigator.gpu.requestAdapter() gives with --enable-unsafe-webgpu; null without an adapter. */
  webgpuAdapter: AdapterInfo | null;
}

export async function machineInfo(benchUrl: string): Promise<MachineInfo> {
  const bench = await openBenchPage(benchUrl, true);
  try {
    return { ...hostInfo(), chromium: bench.browser.version(), webgpuAdapter: await bench.call('webgpuAdapter') };
  } finally {
    await bench.close();
  }
}
