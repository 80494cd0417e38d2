import { describe, expect, it } from 'vitest';
import { formatBytes } from './format-bytes.ts';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1 kB'],
    [1234, '1.2 kB'],
    [123_456, '123 kB'],
    [1_920_000, '1.9 MB'],
    [2.5e9, '2.5 GB'],
    [-5, '0 B'],
  ])('compact: %d → %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it('fixed: one decimal below 10, always shown', () => {
    expect(formatBytes(0, 'fixed')).toBe('0 B');
    expect(formatBytes(999, 'fixed')).toBe('999 B');
    expect(formatBytes(1_500, 'fixed')).toBe('1.5 kB');
    expect(formatBytes(151_000_000, 'fixed')).toBe('151 MB');
    expect(formatBytes(2_300_000_000, 'fixed')).toBe('2.3 GB');
  });
});
