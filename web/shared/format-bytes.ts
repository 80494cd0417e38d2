const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const;

/**
 * Byte counts in SI units (1 kB = 1000 B), as network tools count and storage is sold.
 * `compact` (the ledger's counters): up to one decimal below 100, a trailing zero dropped: "1 kB", "12.3 MB".
 * `fixed` (sizes and download progress): one decimal below 10, always shown, so that a running count keeps its width: "1.0 kB", "12 MB".
 */
export function formatBytes(bytes: number, style: 'compact' | 'fixed' = 'compact'): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  if (style === 'fixed') return `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
  return `${value.toLocaleString('en', { maximumFractionDigits: value >= 100 ? 0 : 1 })} ${UNITS[unit]}`;
}
