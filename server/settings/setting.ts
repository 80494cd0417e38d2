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
  /** Problem lines leave the value out, as for a secret, because its messages name the part that is wrong (an item, a line). */
  echoValue?: false;
}

export const setting = <T>(spec: Setting<T>): Setting<T> => spec;

export type SettingsTable = Record<string, Setting<unknown>>;

export type SettingValues<S extends SettingsTable> = { [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

export type ParsedSettings<S extends SettingsTable> = { ok: true; values: SettingValues<S> } | { ok: false; problems: string[] };

/** What a loader gives: its typed settings, or every problem line at once. */
export type SettingsResult<T> = { ok: true; settings: T } | { ok: false; problems: string[] };

const defaultText = (spec: Setting<unknown>, machine: Machine) => (typeof spec.default === 'function' ? spec.default(machine) : spec.default);

/**
 * The variables of a table, read (empty ones count as unset) and checked: `values` holds those that parsed,
 * `problems` one line for each that did not. Loaders add their checks across variables with `report`, then `result`.
 */
export class SettingsReading<S extends SettingsTable> {
  readonly values: Partial<SettingValues<S>> = {};
  readonly problems: string[] = [];
  readonly #texts: Record<string, string> = {};

  constructor(
    readonly table: S,
    env: Record<string, string | undefined>,
    machine: Machine,
  ) {
    const values: Record<string, unknown> = this.values;
    for (const [key, spec] of Object.entries(table)) {
      const text = env[spec.env] || defaultText(spec, machine);
      this.#texts[key] = text;
      const result = spec.schema.safeParse(text);
      if (result.success) values[key] = result.data;
      else for (const issue of result.error.issues) this.report(key, issue.message);
    }
  }

  /** Adds a problem line for `key`'s variable; `shown` is echoed in place of the variable's text (a resolved path, say). */
  report(key: keyof S & string, message: string, shown: string | undefined = this.#echoed(key)): void {
    this.problems.push(problem(this.table[key]!, shown, message));
  }

  /** The loader's settings, built from the values once every variable parsed and no check reported; else the problems. */
  result<T>(build: (values: SettingValues<S>) => T): SettingsResult<T> {
    if (this.problems.length > 0) return { ok: false, problems: this.problems };
    return { ok: true, settings: build(this.values as SettingValues<S>) };
  }

  #echoed(key: keyof S & string): string | undefined {
    const spec = this.table[key]!;
    return spec.secret || spec.echoValue === false ? undefined : this.#texts[key];
  }
}

export const readSettings = <S extends SettingsTable>(table: S, env: Record<string, string | undefined>, machine: Machine = thisMachine()) =>
  new SettingsReading(table, env, machine);

/**
 * Reads every variable of the table (empty ones count as unset) and checks it; `problems` has one
 * `  NAME="value": message` line for each mistake, all of them at once. Secrets' values are not echoed.
 */
export function parseSettings<S extends SettingsTable>(table: S, env: Record<string, string | undefined>, machine: Machine = thisMachine()): ParsedSettings<S> {
  const reading = readSettings(table, env, machine);
  return reading.problems.length > 0 ? { ok: false, problems: reading.problems } : { ok: true, values: reading.values as SettingValues<S> };
}

/** One problem line: `  NAME="text": message`, or `  NAME: message` where the text is not to be echoed. */
function problem(spec: Setting<unknown>, text: string | undefined, message: string): string {
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
