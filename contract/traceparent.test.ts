import { describe, expect, it } from 'vitest';
import { childSpan, formatTraceparent, newTrace, newTraceparent, parseTraceparent, type RandomBytes } from './traceparent.ts';

const valid = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** Fills each buffer with the next of `fills` (then the last again). */
function scripted(...fills: number[]): RandomBytes {
  let call = 0;
  return (bytes) => bytes.fill(fills[Math.min(call++, fills.length - 1)]!);
}

describe('parseTraceparent', () => {
  it('reads a version 00 header', () => {
    expect(parseTraceparent(valid)).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentId: '00f067aa0ba902b7', flags: '01' });
  });

  it('reads the known fields of a later version and ignores what follows them', () => {
    expect(parseTraceparent('cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09-what-ever')).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentId: '00f067aa0ba902b7',
      flags: '09',
    });
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['uppercase hex', valid.toUpperCase()],
    ['version ff', valid.replace(/^00/, 'ff')],
    ['a zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['a zero parent id', `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`],
    ['a short trace id', '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01'],
    ['version 00 with extra fields', `${valid}-extra`],
    ['a later version with junk glued to the flags', 'cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x'],
    ['non-hex characters', '00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01'],
    ['missing flags', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7'],
  ])('rejects %s', (_name, header) => {
    expect(parseTraceparent(header)).toBeUndefined();
  });
});

describe('generating', () => {
  it('starts a sampled trace with random ids that round-trip through the header', () => {
    const trace = newTrace();
    expect(trace.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(trace.parentId).toMatch(/^[0-9a-f]{16}$/);
    expect(trace.flags).toBe('01');
    expect(parseTraceparent(formatTraceparent(trace))).toEqual(trace);
    expect(newTrace().traceId).not.toBe(trace.traceId);
  });

  it('never uses an all-zero id, which would be invalid', () => {
    expect(newTrace(scripted(0, 0xab, 0, 0xcd))).toEqual({ traceId: 'ab'.repeat(16), parentId: 'cd'.repeat(8), flags: '01' });
  });

  it('continues a trace with a new span id and the caller flags', () => {
    const parent = parseTraceparent(valid)!;
    const child = childSpan(parent, scripted(0x11));
    expect(child).toEqual({ traceId: parent.traceId, parentId: '11'.repeat(8), flags: '01' });
  });

  it('makes a valid header for a request that starts a trace', () => {
    expect(parseTraceparent(newTraceparent())).toBeDefined();
  });
});
