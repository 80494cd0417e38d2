import { readdirSync, readFileSync } from 'node:fs';

/**
 * What other processes took of the machine while the benchmark measured. The load average cannot say: the
 * benchmark's own servers raise it. So the benchmark counts CPU time instead: the machine's busy time
 * (/proc/stat, steal included: a neighbouring VM is background too) minus its own process tree's
 * (/proc/<pid>/stat of itself and every descendant, reaped children included through cutime/cstime).
 * Linux only; elsewhere nothing is known and the run is judged on its start load alone.
 */

/** Clock ticks, all of one kind (USER_HZ), so that only their ratios matter. */
export interface CpuSample {
  /** Busy ticks over all cores: everything but idle and iowait. */
  machineBusy: number;
  /** All ticks over all cores. */
  machineTotal: number;
  /** Ticks of the benchmark process and its descendants, live and reaped. */
  own: number;
  /** When it was taken, ms (performance.now()). */
  atMs: number;
}

/** Busy and total ticks from /proc/stat's aggregate `cpu` line (guest time is already inside user time). */
export function parseProcStat(text: string): { busy: number; total: number } {
  const fields = /^cpu\s+(.+)$/m.exec(text)?.[1]?.trim().split(/\s+/).map(Number);
  if (!fields || fields.length < 4 || fields.some((n) => !Number.isFinite(n))) throw new Error('/proc/stat has no aggregate cpu line');
  const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields as [number, number, number, number, ...number[]];
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** A process's parent and CPU ticks (its own and its reaped children's) from /proc/<pid>/stat. */
export function parsePidStat(text: string): { pid: number; ppid: number; ticks: number } {
  // The command name sits in parentheses and may itself hold spaces and parentheses: fields follow the last ')'.
  const close = text.lastIndexOf(')');
  const pid = Number(text.slice(0, text.indexOf('(')).trim());
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); ppid is field 4, utime..cstime are fields 14-17.
  const [utime, stime, cutime, cstime] = rest.slice(11, 15).map(Number);
  return { pid, ppid: Number(rest[1]), ticks: utime! + stime! + cutime! + cstime! };
}

/** The ticks of `root` and every process below it. */
export function treeTicks(root: number, processes: readonly { pid: number; ppid: number; ticks: number }[]): number {
  const children = new Map<number, number[]>();
  for (const p of processes) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const ticks = new Map(processes.map((p) => [p.pid, p.ticks]));
  let sum = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    sum += ticks.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return sum;
}

/** Share of the machine's CPU time (0–1, all cores) that other processes used between two samples. */
export function backgroundShare(before: CpuSample, after: CpuSample): number {
  const total = after.machineTotal - before.machineTotal;
  if (total <= 0) return 0;
  const other = after.machineBusy - before.machineBusy - (after.own - before.own);
  return Math.min(1, Math.max(0, other / total));
}

function readProcesses(): { pid: number; ppid: number; ticks: number }[] {
  return readdirSync('/proc').flatMap((name) => {
    if (!/^\d+$/.test(name)) return [];
    try {
      return [parsePidStat(readFileSync(`/proc/${name}/stat`, 'utf8'))];
    } catch {
      return []; // exited meanwhile
    }
  });
}

/** This machine's CPU counters now; undefined where /proc cannot tell (not Linux). */
export function sampleCpu(): CpuSample | undefined {
  try {
    const { busy, total } = parseProcStat(readFileSync('/proc/stat', 'utf8'));
    return { machineBusy: busy, machineTotal: total, own: treeTicks(process.pid, readProcesses()), atMs: performance.now() };
  } catch {
    return undefined;
  }
}

/**
 * Sums the counter deltas of many windows (one per burst), so that a scenario's figures cover its bursts
 * only: the background's share, and the CPU time the benchmark's own tree spent (the one server taking
 * its burst, while the others idle, and the load client).
 */
export class BackgroundMeter {
  #busy = 0;
  #total = 0;
  #own = 0;
  #wallMs = 0;

  add(before: CpuSample | undefined, after: CpuSample | undefined): void {
    if (!before || !after) return;
    this.#busy += after.machineBusy - before.machineBusy;
    this.#total += after.machineTotal - before.machineTotal;
    this.#own += after.own - before.own;
    this.#wallMs += after.atMs - before.atMs;
  }

  /** Null when nothing was measured. */
  share(): number | null {
    if (this.#total <= 0) return null;
    return backgroundShare({ machineBusy: 0, machineTotal: 0, own: 0, atMs: 0 }, { machineBusy: this.#busy, machineTotal: this.#total, own: this.#own, atMs: 0 });
  }

  /** The own tree's CPU seconds; the ticks' rate comes from the windows themselves (all ticks = cores × wall time). */
  ownCpuSeconds(cores: number): number | null {
    if (this.#total <= 0 || this.#wallMs <= 0) return null;
    const ticksPerSecond = this.#total / cores / (this.#wallMs / 1000);
    return this.#own / ticksPerSecond;
  }
}
