/**
 * The keys file: a JSON array of entries, or one JSON entry per line (blank lines and `#` comments allowed).
 * Only hashes are stored; `revoked: true` marks a key that no longer works.
 */

export interface RawEntry {
  /** Where the entry is, for error messages: "entry 2" or "line 5". */
  where: string;
  value: unknown;
}

export type ParsedKeysText = { ok: true; entries: RawEntry[] } | { ok: false; problem: string };

const isArrayText = (text: string) => text.trimStart().startsWith('[');

function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function parseKeysText(text: string): ParsedKeysText {
  if (isArrayText(text)) {
    const value = jsonOrUndefined(text);
    if (!Array.isArray(value)) return { ok: false, problem: 'is not valid JSON (a JSON array, or one JSON entry per line)' };
    return { ok: true, entries: value.map((entry, index) => ({ where: `entry ${index + 1}`, value: entry })) };
  }
  const entries: RawEntry[] = [];
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const value = jsonOrUndefined(trimmed);
    if (value === undefined) return { ok: false, problem: `line ${index + 1} is not a JSON entry` };
    entries.push({ where: `line ${index + 1}`, value });
  }
  return { ok: true, entries };
}

const hasId = (value: unknown, id: string): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && (value as { id?: unknown }).id === id;

/** The file's text with the entry `id` marked revoked; other lines and comments are kept as they were. */
export function revokeInKeysText(text: string, id: string): string {
  if (isArrayText(text)) {
    const entries = JSON.parse(text) as unknown[];
    return `${JSON.stringify(entries.map((entry) => (hasId(entry, id) ? { ...entry, revoked: true } : entry)), null, 2)}\n`;
  }
  return text
    .split('\n')
    .map((line) => {
      const value = line.trim().startsWith('#') ? undefined : jsonOrUndefined(line);
      return hasId(value, id) ? JSON.stringify({ ...value, revoked: true }) : line;
    })
    .join('\n');
}
