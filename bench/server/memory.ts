import { readFileSync } from 'node:fs';
import type { TranslationServer } from '../../testing/load/translation-server.ts';

/** Resident memory of a process, from /proc (Linux); undefined when it cannot be read. */
function residentBytes(pid: number): number | undefined {
  try {
    const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

/**
 * The server's resident memory in MiB: its own process (worker threads included, from /metrics) plus its
 * inference processes under process isolation (their pids from /admin/stats); null when unknown.
 */
export async function serverMemoryMiB(server: TranslationServer): Promise<number | null> {
  const exposition = await (await fetch(`${server.url}metrics`)).text();
  const own = Number(/^process_resident_memory_bytes (\S+)$/m.exec(exposition)?.[1]);
  if (!Number.isFinite(own)) return null;
  const pids = (await server.stats()).workers.workers.flatMap((worker) => (worker.pid === undefined ? [] : [worker.pid]));
  const children = pids.map(residentBytes);
  if (children.some((bytes) => bytes === undefined)) return null;
  return Math.round((own + children.reduce((sum: number, bytes) => sum + bytes!, 0)) / 2 ** 20);
}
