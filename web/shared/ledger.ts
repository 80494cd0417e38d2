import { formatBytes } from './format-bytes.ts';
import { EMPTY_LEDGER, type DataLedger } from './pipeline-types.ts';

/**
 * Captured audio is counted as the page holds it: 16 kHz mono, 32-bit float samples (64 kB a
 * second). Uploading it would mean at least these bytes; compressed audio would be fewer.
 */
export const AUDIO_BYTES_PER_SAMPLE = 4;
export const AUDIO_FORMAT_LABEL = '16 kHz mono, 32-bit float';

export function audioBytes(samples: number): number {
  return samples * AUDIO_BYTES_PER_SAMPLE;
}

/** Audio bytes captured per text byte sent; undefined while either is zero. */
export function reductionRatio(ledger: DataLedger): number | undefined {
  if (ledger.audioBytesCaptured <= 0 || ledger.transcriptBytesSent <= 0) return undefined;
  return ledger.audioBytesCaptured / ledger.transcriptBytesSent;
}

export function describeReduction(ledger: DataLedger): string {
  const ratio = reductionRatio(ledger);
  if (ratio !== undefined) {
    const rounded = ratio >= 100 ? Math.round(ratio / 10) * 10 : Math.round(ratio * 10) / 10;
    return `× ${rounded.toLocaleString('en')} fewer bytes than uploading the audio`;
  }
  if (ledger.audioBytesCaptured <= 0) return 'No audio captured yet';
  return `No text sent yet: all ${formatBytes(ledger.audioBytesCaptured)} of audio stayed on this device`;
}

type CountField = { [K in keyof DataLedger]: DataLedger[K] extends number ? K : never }[keyof DataLedger];
const COUNTS = (Object.keys(EMPTY_LEDGER) as (keyof DataLedger)[]).filter((field): field is CountField => typeof EMPTY_LEDGER[field] === 'number');

function withCounts(counts: (field: CountField) => number, serverCurrency: string): DataLedger {
  return { ...(Object.fromEntries(COUNTS.map((field) => [field, counts(field)])) as Record<CountField, number>), serverCurrency };
}

/** Sums the counts; sessions saved before a count existed lack it, and count it as 0. */
export function addLedgers(a: DataLedger, b: Partial<DataLedger>): DataLedger {
  return withCounts((field) => (a[field] ?? 0) + (b[field] ?? 0), b.serverCurrency || a.serverCurrency || '');
}

/** What a running total grew by since `previous`. */
export function ledgerDelta(previous: DataLedger, current: DataLedger): DataLedger {
  return withCounts((field) => current[field] - previous[field], current.serverCurrency);
}

/** "Server compute 0.8 s · 0.00008 USD", or what was billed when nothing was. */
export function describeServerCost(ledger: DataLedger): string {
  if (!ledger.serverComputeSeconds && !ledger.serverPrice) return 'None billed';
  const price = ledger.serverPrice.toLocaleString('en', { maximumSignificantDigits: 3 });
  return `Server compute ${ledger.serverComputeSeconds.toFixed(1)} s · ${price} ${ledger.serverCurrency}`.trimEnd();
}
