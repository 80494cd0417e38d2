import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { repoRoot } from '../../server/config.ts';

/** The machine and checkout a benchmark ran on (the ASR benchmark adds the browser's side: bench/machine-info.ts). */
export interface HostInfo {
  date: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  /** As nvidia-smi names it; null without an NVIDIA GPU. */
  gpu: string | null;
  os: string;
  node: string;
  gitCommit: string;
  /** Tracked files differed from the commit. */
  gitDirty: boolean;
}

/** The GPUs' names as `nvidia-smi` lists them, joined; null when there is no NVIDIA GPU or no driver. */
function gpuName(): string | null {
  const result = spawnSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0 || !result.stdout) return null;
  const names = result.stdout.split('\n').map((line) => line.trim()).filter(Boolean);
  return names.length === 0 ? null : names.join(', ');
}

const git = (...args: string[]) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim();

export function hostInfo(): HostInfo {
  return {
    date: new Date().toISOString(),
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    gpu: gpuName(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    gitCommit: git('rev-parse', 'HEAD'),
    gitDirty: git('status', '--porcelain', '--untracked-files=no').length > 0,
  };
}

/** The 1-minute load average, rounded; other work on the machine skews every number next to it. */
export const loadAverage = () => Math.round(os.loadavg()[0]! * 100) / 100;
