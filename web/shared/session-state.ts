import { addLedgers } from './ledger.ts';
import { EMPTY_LEDGER, type DataLedger, type SessionRecord, type SessionSettings, type TranslatedSegment } from './pipeline-types.ts';

/** Pure updates of a SessionRecord: each returns a new record and leaves its input untouched. */

export const UNTITLED = 'New session';
const TITLE_WORDS = 6;
const TITLE_MAX_CHARS = 60;

export function newSession(id: string, settings: SessionSettings, now: number): SessionRecord {
  return { id, ...settings, createdAt: now, updatedAt: now, title: UNTITLED, segments: [], ledger: { ...EMPTY_LEDGER } };
}

/** The first words of the first segment with text. */
export function sessionTitle(segments: readonly TranslatedSegment[]): string {
  const words = segments.find((segment) => segment.sourceText.trim())?.sourceText.trim().split(/\s+/) ?? [];
  if (words.length === 0) return UNTITLED;
  const title = words.slice(0, TITLE_WORDS).join(' ');
  const cut = title.length > TITLE_MAX_CHARS ? title.slice(0, TITLE_MAX_CHARS).trimEnd() : title;
  return cut.length < words.join(' ').length ? `${cut.replace(/[\s.,;:!?]+$/u, '')}…` : cut;
}

/**
 * Adds a segment or updates one with the same id, keeping the segments in id order. Fields the
 * update leaves out (a pipeline update without the ASR run, say) keep their earlier value.
 */
export function applySegment(record: SessionRecord, update: TranslatedSegment, now: number): SessionRecord {
  const index = record.segments.findIndex((segment) => segment.segmentId === update.segmentId);
  const segments = [...record.segments];
  if (index === -1) {
    segments.push(update);
    segments.sort((a, b) => a.segmentId - b.segmentId);
  } else {
    const merged: TranslatedSegment = { ...segments[index]!, ...update };
    // A segment that is pending again (re-translation) has no error any more.
    if (update.error === undefined) delete merged.error;
    segments[index] = merged;
  }
  return { ...record, segments, title: sessionTitle(segments), updatedAt: now };
}

export function addToLedger(record: SessionRecord, delta: Partial<DataLedger>, now: number): SessionRecord {
  return { ...record, ledger: addLedgers(record.ledger, delta), updatedAt: now };
}

export function withSettings(record: SessionRecord, settings: SessionSettings, now: number): SessionRecord {
  const { sourceLanguage, targetLanguage, mode } = settings;
  return { ...record, sourceLanguage, targetLanguage, mode, updatedAt: now };
}

export function settingsOf(record: SessionRecord): SessionSettings {
  return { sourceLanguage: record.sourceLanguage, targetLanguage: record.targetLanguage, mode: record.mode };
}

/** Where a new recording's segments continue the session: the next free id and the end of the last segment. */
export function continuation(record: SessionRecord): { firstSegmentId: number; startSeconds: number } {
  let firstSegmentId = 0;
  let startSeconds = 0;
  for (const segment of record.segments) {
    firstSegmentId = Math.max(firstSegmentId, segment.segmentId + 1);
    startSeconds = Math.max(startSeconds, segment.endSeconds);
  }
  return { firstSegmentId, startSeconds };
}

/** Most recently changed first. */
export function newestFirst(records: readonly SessionRecord[]): SessionRecord[] {
  return [...records].sort((a, b) => b.updatedAt - a.updatedAt || b.createdAt - a.createdAt);
}
