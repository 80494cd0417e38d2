import { spawnSync } from 'node:child_process';

/**
 * What the tests shell out to, and the Debian package each comes from (.ci/run installs them). A missing
 * one is reported before the tests run, by name and package, instead of as failures deep inside them.
 */
export interface Requirement {
  what: string;
  debianPackage: string;
  /** Undefined when present; else why not. */
  check(): string | undefined;
}

function runs(command: string, args: string[]): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return { ok: !result.error && result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

const present = (command: string, args: string[]) => () => (runs(command, args).ok ? undefined : `${command} is not installed`);
// soxi has no option that exits 0 without a file (`soxi -h` prints its usage and exits 1): only ask that it starts.
const starts = (command: string) => () => (spawnSync(command, [], { encoding: 'utf8' }).error ? `${command} is not installed` : undefined);

/** The formats after "AUDIO FILE FORMATS:" in `sox -h`. */
export function soxFormats(help: string): Set<string> {
  const line = help.split('\n').find((text) => text.startsWith('AUDIO FILE FORMATS:'));
  return new Set(line ? line.slice('AUDIO FILE FORMATS:'.length).trim().split(/\s+/) : []);
}

const soxWrites = (format: string) => () => {
  const help = runs('sox', ['-h']);
  if (!help.output.includes('AUDIO FILE FORMATS:')) return 'sox is not installed';
  return soxFormats(help.output).has(format) ? undefined : `sox has no handler for ${format}`;
};

export const REQUIREMENTS: readonly Requirement[] = [
  { what: 'Chromium at /usr/bin/chromium (end-to-end tests)', debianPackage: 'chromium', check: present('/usr/bin/chromium', ['--version']) },
  { what: 'espeak-ng (speech fixtures)', debianPackage: 'espeak-ng', check: present('espeak-ng', ['--version']) },
  { what: 'sox and soxi (audio fixtures)', debianPackage: 'sox', check: starts('soxi') },
  ...['flac', 'ogg'].map((format) => ({ what: `sox writes ${format}`, debianPackage: 'libsox-fmt-base', check: soxWrites(format) })),
  { what: 'sox writes mp3', debianPackage: 'libsox-fmt-mp3', check: soxWrites('mp3') },
  { what: 'promtool (checks /metrics)', debianPackage: 'prometheus', check: present('promtool', ['--version']) },
];

/** The requirements not met, each with the reason. */
export function missingRequirements(requirements: readonly Requirement[] = REQUIREMENTS): { requirement: Requirement; reason: string }[] {
  return requirements.flatMap((requirement) => {
    const reason = requirement.check();
    return reason === undefined ? [] : [{ requirement, reason }];
  });
}
