import { describe, expect, it } from 'vitest';
import { backgroundShare, BackgroundMeter, parsePidStat, parseProcStat, treeTicks } from './background-load.ts';
import { invalidReasons } from './validity.ts';

describe('background load', () => {
  it('reads busy and total ticks from /proc/stat, steal as busy, idle and iowait as not', () => {
    const text = 'cpu  100 5 50 800 20 3 2 10 7 0\ncpu0 50 2 25 400 10 1 1 5 3 0\nintr 1\n';
    expect(parseProcStat(text)).toEqual({ busy: 170, total: 990 });
    expect(() => parseProcStat('intr 1\n')).toThrow(/cpu line/);
  });

  it('reads parent and CPU ticks from /proc/<pid>/stat, whatever the command name holds', () => {
    const text = '4242 (node (tsx) x) S 4200 4242 4200 0 -1 4194304 100 0 0 0 70 30 12 8 20 0 11 0 123 456 789';
    expect(parsePidStat(text)).toEqual({ pid: 4242, ppid: 4200, ticks: 120 });
  });

  it("sums a process tree's ticks, leaving out processes outside it", () => {
    const processes = [
      { pid: 1, ppid: 0, ticks: 1000 },
      { pid: 10, ppid: 1, ticks: 5 },
      { pid: 11, ppid: 10, ticks: 7 },
      { pid: 12, ppid: 11, ticks: 9 },
      { pid: 20, ppid: 1, ticks: 500 },
    ];
    expect(treeTicks(10, processes)).toBe(21);
    expect(treeTicks(99, processes)).toBe(0);
  });

  it("counts as background the machine's busy time the benchmark's tree did not use", () => {
    const before = { machineBusy: 1000, machineTotal: 5000, own: 300, atMs: 0 };
    expect(backgroundShare(before, { machineBusy: 1180, machineTotal: 5200, own: 440, atMs: 1000 })).toBeCloseTo(0.2);
    // The tree's ticks can run ahead of /proc/stat's by a sample's skew: never below 0.
    expect(backgroundShare(before, { machineBusy: 1100, machineTotal: 5200, own: 420, atMs: 1000 })).toBe(0);
    expect(backgroundShare(before, before)).toBe(0);
  });

  it("adds up the windows of many bursts, idle gaps between them left out, with the tree's CPU seconds", () => {
    const meter = new BackgroundMeter();
    expect(meter.share()).toBeNull();
    expect(meter.ownCpuSeconds(2)).toBeNull();
    // 2 cores at 100 ticks a second: 1 s and 1 s windows, the tree busy 2 s and 1 s of them.
    meter.add({ machineBusy: 0, machineTotal: 0, own: 0, atMs: 0 }, { machineBusy: 200, machineTotal: 200, own: 200, atMs: 1000 });
    meter.add({ machineBusy: 5000, machineTotal: 9000, own: 700, atMs: 5000 }, { machineBusy: 5200, machineTotal: 9200, own: 800, atMs: 6000 });
    meter.add(undefined, { machineBusy: 1, machineTotal: 1, own: 1, atMs: 1 });
    expect(meter.share()).toBeCloseTo(0.25);
    expect(meter.ownCpuSeconds(2)).toBeCloseTo(3);
  });
});

describe('validity', () => {
  const quiet = { startLoad: 0.4, cores: 2, backgroundShare: 0.05, repeats: 3 };

  it('accepts a quiet start and little background, however loaded the benchmark made the machine', () => {
    expect(invalidReasons(quiet)).toEqual([]);
    expect(invalidReasons({ ...quiet, startLoad: 2 })).toEqual([]);
    expect(invalidReasons({ ...quiet, backgroundShare: null })).toEqual([]);
  });

  it('names each reason: a busy start, background above a quarter of the CPU time, too few repeats', () => {
    expect(invalidReasons({ ...quiet, startLoad: 2.5 })).toEqual(['the 1-minute load average at the start (2.5) exceeded the 2 cores']);
    expect(invalidReasons({ ...quiet, backgroundShare: 0.26 })).toEqual(['other processes took 26% of the CPU time during the bursts (at most 25% allowed)']);
    expect(invalidReasons({ ...quiet, repeats: 1 })).toEqual(['1 repeat(s), fewer than 3']);
    expect(invalidReasons({ startLoad: 3, cores: 2, backgroundShare: 0.5, repeats: 2 })).toHaveLength(3);
  });
});
