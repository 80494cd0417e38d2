import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { repoRoot } from '../server/config.ts';
import { openBenchPage } from './bench-page-driver.ts';
import type { AdapterInfo } from './browser/bench-protocol.ts';

export interface MachineInfo {
  date: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  chromium: string;
  /** What navigator.gpu.requestAdapter() gives with --enable-unsafe-webgpu; null without an adapter. */
  webgpuAdapter: AdapterInfo | null;
  gitCommit: string;
  /** Tracked files differed from the commit. */
  gitDirty: boolean;
}

const git = (...args: string[]) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim();

export async function machineInfo(benchUrl: string): Promise<MachineInfo> {
  const bench = await openBenchPage(benchUrl, true);
  try {
    return {
      date: new Date().toISOString(),
      cpuModel: /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? 'unknown',
      cores: os.availableParallelism(),
      memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      node: process.version,
      chromium: bench.browser.version(),
      webgpuAdapter: await bench.call('webgpuAdapter'),
      gitCommit: git('rev-parse', 'HEAD'),
      gitDirty: git('status', '--porcelain', '--untracked-files=no').length > 0,
    };
  } finally {
    await bench.close();
  }
}
