import { languageName } from '../shared/language-options.ts';
import { formatBytes } from '../shared/format-bytes.ts';
import { AUDIO_FORMAT_LABEL, describeReduction, describeServerCost } from '../shared/ledger.ts';
import type { DataLedger, StageName, TranslatedSegment } from '../shared/pipeline-types.ts';
import type { Reasons } from '../shared/placement-policy.ts';
import { describeTimings, stageLabel, stageTimings, type StageShown } from '../shared/stage-summary.ts';
import type { LiveText } from '../shared/transcript-stitch.ts';
import type { SessionSnapshot } from './session-controller.ts';
import { element } from './view.ts';

const AXES: [keyof Reasons, string][] = [
  ['privacy', 'Privacy'],
  ['cost', 'Cost'],
  ['maintenance', 'Maintenance'],
  ['capability', 'Capability'],
];

function setText(target: HTMLElement, text: string): void {
  if (target.textContent !== text) target.textContent = text;
}

/** Told to screen readers and shown on hover for the live words that may still change. */
const TENTATIVE_HINT = 'Still being recognised: these words may change';

/** Within this distance of the bottom the columns follow new segments; further up the reader stays put. */
const FOLLOW_PX = 48;

interface StageElements {
  badge: HTMLElement;
  timing: HTMLElement;
  reasons: HTMLElement;
}

/** The session on screen: transcript and translation side by side, stage badges, timings and the data ledger. */
export class SessionView {
  private readonly columns: HTMLElement;
  private readonly translationColumn: HTMLElement;
  private readonly finalText: HTMLElement;
  private readonly partialText: HTMLElement;
  private readonly translations: HTMLElement;
  private readonly stages: Record<StageName, StageElements>;
  private readonly ledger: Record<'audioCaptured' | 'audioSent' | 'textSent' | 'textReceived' | 'cost' | 'reduction', HTMLElement>;

  constructor(private readonly root: Document) {
    this.columns = root.querySelector<HTMLElement>('.columns')!;
    this.translationColumn = element(root, 'translation-column');
    const transcript = element(root, 'transcript');
    this.finalText = transcript.querySelector<HTMLElement>('.final')!;
    this.partialText = transcript.querySelector<HTMLElement>('.partial')!;
    this.translations = element(root, 'translation');
    const stage = (name: string): StageElements => ({
      badge: element(root, `${name}-badge`),
      timing: element(root, `${name}-timing`),
      reasons: element<HTMLElement>(root, `${name}-reasons`).querySelector('dl')!,
    });
    this.stages = { asr: stage('asr'), translation: stage('translation') };
    this.ledger = {
      audioCaptured: element(root, 'ledger-audio-captured'),
      audioSent: element(root, 'ledger-audio-sent'),
      textSent: element(root, 'ledger-text-sent'),
      textReceived: element(root, 'ledger-text-received'),
      cost: element(root, 'ledger-cost'),
      reduction: element(root, 'ledger-reduction'),
    };
    element(root, 'ledger-audio-format').textContent = `(counted as ${AUDIO_FORMAT_LABEL})`;
  }

  render({ record, streamStarts, translation, translationConnected }: SessionSnapshot): void {
    this.follow(() => {
      // The text between rows is what the transcript reads as: a space within a recording, a new line between recordings.
      this.syncRows(this.finalText, record.segments, (row, segment) => this.fillSource(row, segment), (segment) => (streamStarts.has(segment.segmentId) ? '\n' : ' '));
      this.syncRows(this.translations, record.segments, (row, segment) => this.fillTranslation(row, segment), () => ' ');
    });
    this.translationColumn.dataset.connected = String(translationConnected);
    this.showStage('translation', translation, translationConnected ? 'Translation: not decided yet' : 'Translation: not connected');
    setText(this.stages.asr.timing, describeTimings(stageTimings(record.segments, 'asr')));
    setText(this.stages.translation.timing, describeTimings(stageTimings(record.segments, 'translation')));
    this.showLedger(record.ledger);
  }

  /** The open segment's live text: committed words as they will stay, the tentative rest marked as such (dimmed, italic, with a hint). */
  showPartial({ committed, tentative }: LiveText): void {
    const key = JSON.stringify([committed, tentative]);
    if (this.partialText.dataset.key === key) return;
    this.partialText.dataset.key = key;
    const part = (className: string, text: string) => {
      const made = this.root.createElement('span');
      made.className = className;
      made.textContent = text;
      if (className === 'tentative') made.title = TENTATIVE_HINT;
      return made;
    };
    const parts = [...(committed ? [part('committed', committed)] : []), ...(tentative ? [part('tentative', tentative)] : [])];
    this.follow(() => this.partialText.replaceChildren(...parts.flatMap((made, index) => (index === 0 ? [made] : [this.root.createTextNode(' '), made]))));
  }

  showAsr(shown: StageShown): void {
    this.showStage('asr', shown, '');
  }

  private showStage(stage: StageName, shown: StageShown | undefined, fallback: string): void {
    const { badge, reasons } = this.stages[stage];
    setText(badge, shown ? stageLabel(stage, shown) : fallback);
    if (shown) badge.dataset.placement = shown.placement;
    else delete badge.dataset.placement;
    const key = JSON.stringify(shown?.reasons ?? null);
    if (reasons.dataset.key === key) return;
    reasons.dataset.key = key;
    reasons.replaceChildren(
      ...AXES.flatMap(([axis, name]) => {
        const term = this.root.createElement('dt');
        const detail = this.root.createElement('dd');
        term.textContent = name;
        detail.textContent = shown?.reasons[axis] ?? '—';
        return [term, detail];
      }),
    );
  }

  private showLedger(ledger: DataLedger): void {
    setText(this.ledger.audioCaptured, formatBytes(ledger.audioBytesCaptured));
    setText(this.ledger.audioSent, formatBytes(ledger.audioBytesSent));
    setText(this.ledger.textSent, formatBytes(ledger.transcriptBytesSent));
    // Exact counts for the e2e tests, which check them against the browser's network log.
    this.ledger.audioSent.dataset.bytes = String(ledger.audioBytesSent);
    this.ledger.textSent.dataset.bytes = String(ledger.transcriptBytesSent);
    const requests = `${ledger.translationRequests.toLocaleString('en')} request${ledger.translationRequests === 1 ? '' : 's'}`;
    setText(this.ledger.textReceived, `${formatBytes(ledger.translationBytesReceived)} in ${requests}`);
    setText(this.ledger.cost, describeServerCost(ledger));
    setText(this.ledger.reduction, describeReduction(ledger));
  }

  /** The text, tagged with the language the model detected in it (shown by the style sheet). */
  private fillSource(row: HTMLElement, segment: TranslatedSegment): void {
    setText(row, segment.sourceText);
    const detected = segment.detectedLanguage;
    if (!detected) {
      delete row.dataset.language;
      row.removeAttribute('title');
      return;
    }
    row.dataset.language = detected.code;
    row.title = `Detected: ${languageName(detected.code)} (${Math.round(detected.probability * 100)}% sure)`;
  }

  private fillTranslation(row: HTMLElement, segment: TranslatedSegment): void {
    row.dataset.status = segment.status;
    const text = segment.status === 'failed' ? `Not translated: ${segment.error ?? 'unknown error'}` : (segment.translation ?? '');
    setText(row, text);
  }

  /**
   * Rows keyed by segment id, so both columns line up row for row. Rows whose ids and order are
   * unchanged are updated in place (a reader's selection survives a translation arriving).
   */
  private syncRows(
    container: HTMLElement,
    segments: readonly TranslatedSegment[],
    fill: (row: HTMLElement, segment: TranslatedSegment) => void,
    separator: (segment: TranslatedSegment) => string,
  ): void {
    const rows = container.querySelectorAll<HTMLElement>(':scope > [data-segment-id]');
    const unchanged = rows.length === segments.length && segments.every((segment, index) => rows[index]!.dataset.segmentId === String(segment.segmentId));
    if (unchanged) {
      segments.forEach((segment, index) => fill(rows[index]!, segment));
      return;
    }
    const nodes = segments.flatMap((segment, index) => {
      const row = this.root.createElement('p');
      row.className = 'segment';
      row.dataset.segmentId = String(segment.segmentId);
      fill(row, segment);
      return index === 0 ? [row] : [this.root.createTextNode(separator(segment)), row];
    });
    container.replaceChildren(...nodes);
  }

  /** Keeps the newest segment in view while the reader is at the bottom of the columns. */
  private follow(change: () => void): void {
    const { scrollHeight, scrollTop, clientHeight } = this.columns;
    const atBottom = scrollHeight - scrollTop - clientHeight < FOLLOW_PX;
    change();
    if (atBottom) this.columns.scrollTop = this.columns.scrollHeight;
  }
}
