import os from 'node:os';
import type { z } from 'zod';

/** What some defaults follow (worker count, memory budget). */
export interface Machine {
  cores: number;
  memoryBytes: number;
}

export const thisMachine = (): Machine => ({ cores: os.availableParallelism(), memoryBytes: os.totalmem() });

/** One environment variable: its name, default, check and documentation, in one place. */
export interface Setting<T> {
  env: string;
  /** The value when the variable is unset or empty, as the variable would hold it; a function where it follows the machine. */
  default: string | ((machine: Machine) => string);
  /** The default as the README shows it, where `default` is computed or clearer in words. */
  shownDefault?: string;
  /** Parses the variable's text (or the default) into the value the server uses. */
  schema: z.ZodType<T, string>;
  /** One sentence or two for the README's configuration table (Markdown). */
  doc: string;
  /** A hash or token: problem lines name the variable but never echo its value. */
  secret?: boolean;
}

export const setting = <T>(spec: Setting<T>): Setting<T> => spec;

export type SettingsTable = Record<string, Setting<unknown>>;

export type SettingValues<S extends SettingsTable> = { [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

export type ParsedSettings<S extends SettingsTable> = { ok: true; values: SettingValues<S> } | { ok: false; problems: string[] };

const defaultText = (spec: Setting<unknown>, machine: Machine) => (typeof spec.default === 'function' ? spec.default(machine) : spec.default);

/**
 * Reads every variable of the table (empty ones count as unset) and checks it; `problems` has one
 * `  NAME="value": message` line for each mistake, all of them at once. Secrets' values are not echoed.
 */
export function parseSettings<S extends SettingsTable>(table: S, env: Record<string, string | undefined>, machine: Machine = thisMachine()): ParsedSettings<S> {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, spec] of Object.entries(table)) {
    const text = env[spec.env] || defaultText(spec, machine);
    const result = spec.schema.safeParse(text);
    if (result.success) values[key] = result.data;
    else for (const issue of result.error.issues) problems.push(problem(spec, spec.secret ? undefined : text, issue.message));
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, values: values as SettingValues<S> };
}

/** Problem lines in the format parseSettings writes, for checks across variables. */
export function problem(spec: Setting<unknown>, text: string | undefined, message: string): string {
  return `  ${spec.env}${text === undefined ? '' : `=${JSON.stringify(text)}`}: ${message}`;
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** The README's configuration table: variable, default, meaning. */
export function markdownTable(tables: readonly SettingsTable[], machine: Machine): string {
  const rows = tables.flatMap((table) =>
    Object.values(table).map((spec) => {
      const shown = spec.shownDefault ?? (defaultText(spec, machine) === '' ? 'none' : `\`${defaultText(spec, machine)}\``);
      return `| \`${spec.env}\` | ${cell(shown)} | ${cell(spec.doc)} |`;
    }),
  );
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
