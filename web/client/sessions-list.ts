import { languageName } from '../shared/language-options.ts';
import type { SessionRecord } from '../shared/pipeline-types.ts';
import { EXPORT_FORMATS, type ExportedFile, type ExportFormat } from '../shared/session-export.ts';
import type { StoreStatus } from './session-store.ts';
import { element } from './view.ts';

export type SessionAction = 'open' | ExportFormat | 'delete';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** The saved sessions, each with open, export and delete buttons, and the storage status. */
export class SessionsList {
  private readonly list: HTMLElement;
  private readonly status: HTMLElement;
  private shown = '';

  constructor(private readonly root: Document) {
    this.list = element(root, 'sessions');
    this.status = element(root, 'storage-status');
  }

  onAction(listener: (action: SessionAction, id: string) => void): void {
    this.list.addEventListener('click', (event) => {
      const button = (event.target as Element).closest<HTMLButtonElement>('button[data-action]');
      const id = button?.closest<HTMLElement>('[data-session-id]')?.dataset.sessionId;
      if (button && id) listener(button.dataset.action as SessionAction, id);
    });
  }

  /** Sessions newest first; the current one marked; opening another, or deleting the current one, waits while `busy`. */
  render(sessions: readonly SessionRecord[], currentId: string, busy: boolean): void {
    // Redrawn only when something it shows changed, not for each audio chunk that grows the ledger.
    const key = JSON.stringify([currentId, busy, sessions.map((s) => [s.id, s.title, s.segments.length, s.sourceLanguage, s.targetLanguage])]);
    if (key === this.shown) return;
    this.shown = key;
    this.list.replaceChildren(...sessions.map((session) => this.item(session, session.id === currentId, busy)));
  }

  showStatus(status: StoreStatus): void {
    this.status.textContent = status.message;
    this.status.dataset.state = status.state;
  }

  private item(session: SessionRecord, current: boolean, busy: boolean): HTMLElement {
    const item = this.root.createElement('li');
    item.dataset.sessionId = session.id;
    if (current) item.setAttribute('aria-current', 'true');
    const title = this.root.createElement('span');
    title.className = 'session-title';
    title.textContent = session.title;
    const meta = this.root.createElement('span');
    meta.className = 'session-meta';
    const count = session.segments.length;
    meta.textContent = [
      dateFormat.format(session.createdAt),
      `${count} segment${count === 1 ? '' : 's'}`,
      `${languageName(session.sourceLanguage)} → ${languageName(session.targetLanguage)}`,
    ].join(' · ');
    const info = this.root.createElement('div');
    info.className = 'session-info';
    info.append(title, meta);

    const actions = this.root.createElement('div');
    actions.className = 'session-actions';
    const button = (action: SessionAction, text: string, label: string, disabled = false) => {
      const element = this.root.createElement('button');
      element.type = 'button';
      element.className = 'small';
      element.dataset.action = action;
      element.textContent = text;
      element.setAttribute('aria-label', `${label} “${session.title}”`);
      element.disabled = disabled;
      return element;
    };
    actions.append(
      button('open', 'Open', 'Open', current || busy),
      ...EXPORT_FORMATS.map((format) => button(format, format.toUpperCase(), `Export as ${format.toUpperCase()}:`)),
      button('delete', 'Delete', 'Delete', current && busy),
    );
    item.append(info, actions);
    return item;
  }
}

/** Saves a file through the browser's download, from memory: nothing is uploaded. */
export function download(root: Document, file: ExportedFile): void {
  const url = URL.createObjectURL(new Blob([file.text], { type: file.mimeType }));
  const link = root.createElement('a');
  link.href = url;
  link.download = file.filename;
  link.hidden = true;
  root.body.append(link);
  link.click();
  link.remove();
  // Revoked once the browser has started reading it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
