import { describe, expect, it } from 'vitest';
import { missingRequirements, soxFormats, type Requirement } from './test-environment.ts';

describe('soxFormats', () => {
  it('reads the formats sox lists in its help', () => {
    const help = 'SUPPORTED EFFECTS: x\nAUDIO FILE FORMATS: 8svx flac mp3 ogg wav\nPLAYLIST FORMATS: m3u pls\n';
    expect([...soxFormats(help)]).toEqual(['8svx', 'flac', 'mp3', 'ogg', 'wav']);
  });

  it('is empty when the help has no format list', () => {
    expect(soxFormats('sox: command not found').size).toBe(0);
  });
});

describe('missingRequirements', () => {
  it('names each unmet requirement with its reason', () => {
    const requirements: Requirement[] = [
      { what: 'a', debianPackage: 'pkg-a', check: () => undefined },
      { what: 'b', debianPackage: 'pkg-b', check: () => 'b is not installed' },
    ];
    expect(missingRequirements(requirements)).toEqual([{ requirement: requirements[1], reason: 'b is not installed' }]);
  });
});
