/**
 * When a server benchmark's numbers may be compared. Only background load counts against a run: the
 * benchmark's own servers fill every core by design, so the load average at its end says nothing.
 */

/** Fewer repeats than this give medians of too few runs to compare (quick runs while developing). */
export const MIN_VALID_REPEATS = 3;

/**
 * Other processes may take at most this share of the machine's CPU time during the bursts: above it, on a
 * benchmark that fills every core, they took more than a quarter of what the scenarios needed.
 */
export const MAX_BACKGROUND_SHARE = 0.25;

/** Why not to start measuring: the machine was already busier than its cores (the 1-minute load average). */
export function busyAtStart(startLoad: number, cores: number): string | undefined {
  return startLoad > cores ? `the 1-minute load average at the start (${startLoad}) exceeded the ${cores} cores` : undefined;
}

export interface RunFacts {
  startLoad: number;
  cores: number;
  /** Other processes' share of the machine's CPU time over all bursts (0–1); null where it could not be measured. */
  backgroundShare: number | null;
  repeats: number;
}

export const percent = (share: number) => `${Math.round(share * 100)}%`;

/** Every reason the run's numbers are not to be compared; empty when it is valid. */
export function invalidReasons({ startLoad, cores, backgroundShare, repeats }: RunFacts): string[] {
  const reasons: string[] = [];
  const busy = busyAtStart(startLoad, cores);
  if (busy) reasons.push(busy);
  if (backgroundShare !== null && backgroundShare > MAX_BACKGROUND_SHARE) {
    reasons.push(`other processes took ${percent(backgroundShare)} of the CPU time during the bursts (at most ${percent(MAX_BACKGROUND_SHARE)} allowed)`);
  }
  if (repeats < MIN_VALID_REPEATS) reasons.push(`${repeats} repeat(s), fewer than ${MIN_VALID_REPEATS}`);
  return reasons;
}
