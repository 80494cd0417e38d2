import type { z } from 'zod';

export type ParsedEnv<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/**
 * Reads the variables `names` (empty ones count as unset, then `defaults` apply) through `schema`;
 * `problems` has one `  NAME="value": message` line per mistake, the field's path naming the variable.
 */
export function readEnvSettings<K extends string, S extends z.ZodType>(
  names: Record<K, string>,
  defaults: Record<K, string>,
  schema: S,
  env: Record<string, string | undefined>,
): ParsedEnv<z.output<S>> {
  const keys = Object.keys(names) as K[];
  const input = Object.fromEntries(keys.map((key) => [key, env[names[key]] || defaults[key]])) as Record<K, string>;
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const problems = result.error.issues.map((issue) => {
    const key = issue.path[0] as K;
    return `  ${names[key]}=${JSON.stringify(input[key])}: ${issue.message}`;
  });
  return { ok: false, problems };
}
