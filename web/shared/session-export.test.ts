import { describe, expect, it } from 'vitest';
import { EMPTY_LEDGER, type SessionRecord, type TranslatedSegment } from './pipeline-types.ts';
import { exportFilename, exportSession, SESSION_EXPORT_VERSION, srtTimestamp, toJson, toSrt, toTxt } from './session-export.ts';

function segment(segmentId: number, startSeconds: number, endSeconds: number, sourceText: string, translation?: string): TranslatedSegment {
  return { segmentId, startSeconds, endSeconds, sourceText, status: translation ? 'done' : 'pending', ...(translation ? { translation } : {}) };
}

const record: SessionRecord = {
  id: 'abc',
  sourceLanguage: 'en',
  targetLanguage: 'de',
  mode: 'prefer-server',
  createdAt: new Date(2024, 4, 1, 14, 30, 5).getTime(),
  updatedAt: new Date(2024, 4, 1, 15, 0).getTime(),
  title: 'Good morning, everyone…',
  segments: [
    segment(0, 0.52, 3.1, 'Good morning, everyone.', 'Guten Morgen, alle zusammen.'),
    segment(1, 3.1, 4, '   '),
    segment(2, 4.25, 3725.0015, 'The meeting\nstarts now.', 'Die Sitzung beginnt jetzt.'),
    segment(3, 3726, 3727.999, 'Still translating'),
  ],
  ledger: { ...EMPTY_LEDGER, audioBytesCaptured: 1_000_000, transcriptBytesSent: 120 },
};

interface Cue {
  index: number;
  startMs: number;
  endMs: number;
  lines: string[];
}

/** A strict reader of what toSrt writes: blank-line separated blocks of number, timing, text lines. */
function parseSrt(text: string): Cue[] {
  const toMs = (stamp: string) => {
    const match = /^(\d{2}):(\d{2}):(\d{2}),(\d{3})$/.exec(stamp);
    if (!match) throw new Error(`bad timestamp "${stamp}"`);
    const [hours, minutes, seconds, ms] = match.slice(1).map(Number) as [number, number, number, number];
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + ms;
  };
  return text
    .trimEnd()
    .split('\n\n')
    .map((block) => {
      const [index, timing, ...lines] = block.split('\n');
      const [start, arrow, end, ...rest] = timing!.split(' ');
      if (arrow !== '-->' || rest.length > 0) throw new Error(`bad timing line "${timing}"`);
      return { index: Number(index), startMs: toMs(start!), endMs: toMs(end!), lines };
    });
}

describe('SRT', () => {
  it('writes numbered cues that parse back with the segments’ times and texts', () => {
    const cues = parseSrt(toSrt(record));
    expect(cues).toEqual([
      { index: 1, startMs: 520, endMs: 3100, lines: ['Good morning, everyone.', 'Guten Morgen, alle zusammen.'] },
      { index: 2, startMs: 4250, endMs: 3_725_002, lines: ['The meeting starts now.', 'Die Sitzung beginnt jetzt.'] },
      { index: 3, startMs: 3_726_000, endMs: 3_727_999, lines: ['Still translating'] },
    ]);
  });

  it('formats timestamps as HH:MM:SS,mmm', () => {
    expect(srtTimestamp(0)).toBe('00:00:00,000');
    expect(srtTimestamp(3723.5)).toBe('01:02:03,500');
    expect(srtTimestamp(59.9996)).toBe('00:01:00,000');
    expect(srtTimestamp(100 * 3600)).toBe('100:00:00,000');
  });

  it('is empty for a session without text', () => {
    expect(toSrt({ ...record, segments: [] })).toBe('');
  });
});

describe('TXT', () => {
  it('has one line per segment with text: source, tab, translation', () => {
    expect(toTxt(record)).toBe('Good morning, everyone.\tGuten Morgen, alle zusammen.\nThe meeting starts now.\tDie Sitzung beginnt jetzt.\nStill translating\n');
  });
});

describe('JSON', () => {
  it('holds the whole record under a format name and schema version', () => {
    const parsed = JSON.parse(toJson(record)) as unknown;
    expect(parsed).toEqual({ format: 'sotto-session', version: SESSION_EXPORT_VERSION, session: record });
  });
});

describe('file names', () => {
  it('are made of the local creation time and the title', () => {
    expect(exportFilename(record, 'srt')).toBe('sotto-2024-05-01-1430-good-morning-everyone.srt');
    expect(exportFilename({ ...record, title: 'Grüße aus Köln / 你好' }, 'txt')).toBe('sotto-2024-05-01-1430-grüße-aus-köln-你好.txt');
    expect(exportFilename({ ...record, title: '…' }, 'json')).toBe('sotto-2024-05-01-1430.json');
  });

  it('come with the text and a MIME type', () => {
    const file = exportSession(record, 'json');
    expect(file).toEqual({ filename: 'sotto-2024-05-01-1430-good-morning-everyone.json', mimeType: 'application/json', text: toJson(record) });
    expect(exportSession(record, 'srt').mimeType).toMatch(/^application\/x-subrip/);
  });
});
