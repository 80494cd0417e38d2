import { describe, expect, it } from 'vitest';
import { EMPTY_LEDGER, type StageRun, type TranslatedSegment } from './pipeline-types.ts';
import { addToLedger, applySegment, continuation, newestFirst, newSession, sessionTitle, settingsOf, UNTITLED, withSettings } from './session-state.ts';

const settings = { sourceLanguage: 'en', targetLanguage: 'de', mode: 'prefer-server' as const };
const reasons = { privacy: 'p', cost: 'c', maintenance: 'm', capability: 'k' };
const asrRun: StageRun = { stage: 'asr', placement: 'device', backend: 'WebGPU', reasons, ms: 40 };

function segment(segmentId: number, sourceText: string, fields: Partial<TranslatedSegment> = {}): TranslatedSegment {
  return { segmentId, startSeconds: segmentId, endSeconds: segmentId + 1, sourceText, status: 'pending', ...fields };
}

describe('applySegment', () => {
  const empty = newSession('s1', settings, 1000);

  it('adds segments in id order whatever order they arrive in', () => {
    let record = empty;
    for (const id of [2, 0, 1]) record = applySegment(record, segment(id, `text ${id}`), 2000 + id);
    expect(record.segments.map((s) => s.segmentId)).toEqual([0, 1, 2]);
    expect(record.updatedAt).toBe(2001);
    expect(empty.segments).toEqual([]);
  });

  it('updates a segment in place, keeping what the update leaves out', () => {
    let record = applySegment(empty, segment(0, 'hello there', { asrRun }), 2000);
    record = applySegment(record, segment(0, 'hello there', { status: 'failed', error: 'timeout' }), 2500);
    record = applySegment(record, segment(0, 'hello there', { status: 'done', translation: 'hallo' }), 3000);
    expect(record.segments).toEqual([segment(0, 'hello there', { asrRun, status: 'done', translation: 'hallo' })]);
  });

  it('titles the session with the first words', () => {
    const record = applySegment(applySegment(empty, segment(1, 'second'), 1), segment(0, '  Speech recognition runs on this device, and more.'), 2);
    expect(record.title).toBe('Speech recognition runs on this device…');
  });
});

describe('sessionTitle', () => {
  it('keeps short text whole and cuts long words at a character limit', () => {
    expect(sessionTitle([segment(0, 'Hello world.')])).toBe('Hello world.');
    expect(sessionTitle([segment(0, 'x'.repeat(80))])).toBe(`${'x'.repeat(60)}…`);
  });

  it('skips segments without text, and has a default', () => {
    expect(sessionTitle([segment(0, ' '), segment(1, 'Guten Tag')])).toBe('Guten Tag');
    expect(sessionTitle([])).toBe(UNTITLED);
  });
});

describe('ledger and settings', () => {
  it('adds to the ledger', () => {
    const record = addToLedger(addToLedger(newSession('s', settings, 0), { audioBytesCaptured: 64_000 }, 5), { transcriptBytesSent: 20, translationRequests: 1 }, 6);
    expect(record.ledger).toEqual({ ...EMPTY_LEDGER, audioBytesCaptured: 64_000, transcriptBytesSent: 20, translationRequests: 1 });
    expect(record.updatedAt).toBe(6);
  });

  it('changes the settings', () => {
    const changed = withSettings(newSession('s', settings, 0), { sourceLanguage: 'fr', targetLanguage: 'en', mode: 'device-only' }, 9);
    expect(settingsOf(changed)).toEqual({ sourceLanguage: 'fr', targetLanguage: 'en', mode: 'device-only' });
  });
});

describe('continuation', () => {
  it('continues after the highest id and the latest end', () => {
    const record = { ...newSession('s', settings, 0), segments: [segment(0, 'a', { endSeconds: 9.5 }), segment(4, 'b', { endSeconds: 7 })] };
    expect(continuation(record)).toEqual({ firstSegmentId: 5, startSeconds: 9.5 });
    expect(continuation(newSession('s', settings, 0))).toEqual({ firstSegmentId: 0, startSeconds: 0 });
  });
});

describe('newestFirst', () => {
  it('sorts by last change, then creation', () => {
    const a = { ...newSession('a', settings, 1), updatedAt: 10 };
    const b = { ...newSession('b', settings, 2), updatedAt: 30 };
    const c = { ...newSession('c', settings, 3), updatedAt: 10 };
    expect(newestFirst([a, b, c]).map((r) => r.id)).toEqual(['b', 'c', 'a']);
  });
});
