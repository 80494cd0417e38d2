import { describe, expect, it } from 'vitest';
import { MODELS_CACHE, shellCacheName, staleShellCaches } from './cache-names.ts';

describe('cache names', () => {
  it('names the shell cache after the build version', () => {
    expect(shellCacheName('a1b2c3')).toBe('sotto-shell-a1b2c3');
    expect(() => shellCacheName('no spaces')).toThrow(/Invalid build version/);
  });

  it('finds the shell caches of other builds only', () => {
    const names = ['sotto-shell-old', 'sotto-shell-new', MODELS_CACHE, 'transformers-cache', 'other-app'];
    expect(staleShellCaches(names, 'new')).toEqual(['sotto-shell-old']);
  });

  it('keeps models out of any shell cache', () => {
    expect(MODELS_CACHE.startsWith('sotto-shell-')).toBe(false);
  });
});
