import { describe, expect, it } from 'vitest';
import { parseKeysText, revokeInKeysText } from './keys-file.ts';

const alice = { id: 'alice', hash: 'sha256$aa' };
const bob = { id: 'bob', hash: 'sha256$bb', rateLimitPerMinute: 5 };

describe('parseKeysText', () => {
  it('reads a JSON array, naming entries by position', () => {
    expect(parseKeysText(JSON.stringify([alice, bob], null, 2))).toEqual({
      ok: true,
      entries: [
        { where: 'entry 1', value: alice },
        { where: 'entry 2', value: bob },
      ],
    });
  });

  it('reads one entry per line, skipping blank lines and comments, naming entries by line', () => {
    const text = `# team keys\n${JSON.stringify(alice)}\n\n  ${JSON.stringify(bob)}  \r\n`;
    expect(parseKeysText(text)).toEqual({
      ok: true,
      entries: [
        { where: 'line 2', value: alice },
        { where: 'line 4', value: bob },
      ],
    });
    expect(parseKeysText('')).toEqual({ ok: true, entries: [] });
  });

  it('says which line is not JSON, and when an array is broken', () => {
    expect(parseKeysText(`${JSON.stringify(alice)}\nalice:sha256$aa\n`)).toEqual({ ok: false, problem: 'line 2 is not a JSON entry' });
    expect(parseKeysText('[{"id":')).toMatchObject({ ok: false, problem: expect.stringMatching(/not valid JSON/) });
  });
});

describe('revokeInKeysText', () => {
  it('marks the entry revoked in an array and keeps the others', () => {
    const text = revokeInKeysText(JSON.stringify([alice, bob]), 'alice');
    expect(JSON.parse(text)).toEqual([{ ...alice, revoked: true }, bob]);
  });

  it('rewrites only that line in a lines file, keeping comments and spacing', () => {
    const text = `# keys\n${JSON.stringify(alice)}\n\n${JSON.stringify(bob)}\n`;
    expect(revokeInKeysText(text, 'bob')).toBe(`# keys\n${JSON.stringify(alice)}\n\n${JSON.stringify({ ...bob, revoked: true })}\n`);
  });

  it('changes nothing for an unknown id', () => {
    const text = `${JSON.stringify(alice)}\n`;
    expect(revokeInKeysText(text, 'nobody')).toBe(text);
  });
});
