import type { SessionRecord, TranslatedSegment } from './pipeline-types.ts';

/** Bumped whenever the JSON export's shape changes, so importers can tell versions apart. */
export const SESSION_EXPORT_VERSION = 1;

export const EXPORT_FORMATS = ['txt', 'srt', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportedFile {
  filename: string;
  mimeType: string;
  text: string;
}

/** A segment's texts on one line each: no line breaks inside a TXT line or an SRT cue line. */
function oneLine(text: string | undefined): string {
  return (text ?? '').trim().replace(/\s+/g, ' ');
}

function withText(record: SessionRecord): TranslatedSegment[] {
  return record.segments.filter((segment) => oneLine(segment.sourceText) !== '');
}

/** One line per segment: the source text, then a tab and the translation where there is one. */
export function toTxt(record: SessionRecord): string {
  return withText(record)
    .map((segment) => [oneLine(segment.sourceText), oneLine(segment.translation)].filter(Boolean).join('\t'))
    .map((line) => `${line}\n`)
    .join('');
}

/** 3723.5 → "01:02:03,500". */
export function srtTimestamp(seconds: number): string {
  const totalMs = Math.max(0, Math.round(seconds * 1000));
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  const hours = Math.floor(totalMs / 3_600_000);
  const minutes = Math.floor(totalMs / 60_000) % 60;
  const secs = Math.floor(totalMs / 1000) % 60;
  return `${pad(hours)}:${pad(minutes)}:${pad(secs)},${pad(totalMs % 1000, 3)}`;
}

/** Numbered cues timed by each segment; the source line, then the translation line. */
export function toSrt(record: SessionRecord): string {
  return withText(record)
    .map((segment, index) => {
      const lines = [oneLine(segment.sourceText), oneLine(segment.translation)].filter(Boolean);
      return `${index + 1}\n${srtTimestamp(segment.startSeconds)} --> ${srtTimestamp(segment.endSeconds)}\n${lines.join('\n')}\n`;
    })
    .join('\n');
}

export function toJson(record: SessionRecord): string {
  return `${JSON.stringify({ format: 'sotto-session', version: SESSION_EXPORT_VERSION, session: record }, null, 2)}\n`;
}

const pad2 = (value: number) => String(value).padStart(2, '0');

/** "sotto-2024-05-01-1430-speech-recognition-runs.srt", dated in local time. */
export function exportFilename(record: SessionRecord, format: ExportFormat): string {
  const date = new Date(record.createdAt);
  const stamp = `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())}-${pad2(date.getHours())}${pad2(date.getMinutes())}`;
  const slug = record.title
    .toLocaleLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .slice(0, 40)
    .replace(/^-+|-+$/g, '');
  return `sotto-${stamp}${slug ? `-${slug}` : ''}.${format}`;
}

const WRITERS: Record<ExportFormat, { mimeType: string; write: (record: SessionRecord) => string }> = {
  txt: { mimeType: 'text/plain;charset=utf-8', write: toTxt },
  srt: { mimeType: 'application/x-subrip;charset=utf-8', write: toSrt },
  json: { mimeType: 'application/json', write: toJson },
};

export function exportSession(record: SessionRecord, format: ExportFormat): ExportedFile {
  const { mimeType, write } = WRITERS[format];
  return { filename: exportFilename(record, format), mimeType, text: write(record) };
}
