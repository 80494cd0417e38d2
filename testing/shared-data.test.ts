import { describe, expect, it } from 'vitest';
import { dirname, resolve } from 'node:path';
import { repoRoot } from '../server/config.ts';
import { sharedDataDir, sharedDataFile, sharedDataRequired } from './shared-data.ts';

describe('sharedDataFile', () => {
  it('looks beside the checkout, in ../shared/data', () => {
    expect(sharedDataDir).toBe(resolve(dirname(repoRoot), 'shared', 'data'));
  });

  it('answers undefined for a missing file where the data is optional', () => {
    expect(sharedDataFile('mt/no-such-file', {})).toBeUndefined();
  });

  it('throws, naming the file, for a missing file in CI', () => {
    expect(sharedDataRequired({ CI: 'true' })).toBe(true);
    expect(() => sharedDataFile('mt/no-such-file', { CI: 'true' })).toThrow(/no-such-file is missing, and CI needs it/);
  });
});
