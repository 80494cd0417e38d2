import type { SessionRecord } from '../shared/pipeline-types.ts';
import { newestFirst } from '../shared/session-state.ts';

/** The few IndexedDB operations sessions need, so the store's logic can be tested without a browser. */
export interface SessionDatabase {
  getAll(): Promise<unknown[]>;
  put(record: SessionRecord): Promise<void>;
  delete(id: string): Promise<void>;
}

export interface StoreStatus {
  state: 'saved' | 'saving' | 'memory';
  message: string;
}

const DATABASE = 'sotto';
const STORE = 'sessions';
const SAVED: StoreStatus = { state: 'saved', message: 'Saved on this device' };
const SAVING: StoreStatus = { state: 'saving', message: 'Saving…' };

function settle<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Resolves when the transaction commits: only then is a write on disk (or refused for quota). */
function run(db: IDBDatabase, mode: IDBTransactionMode, work: (store: IDBObjectStore) => void): Promise<void> {
  const transaction = db.transaction(STORE, mode);
  work(transaction.objectStore(STORE));
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error ?? new Error('the write was aborted'));
  });
}

/** Database `sotto`, object store `sessions` keyed by `id`. */
export async function openSessionDatabase(factory: IDBFactory | undefined = globalThis.indexedDB): Promise<SessionDatabase> {
  if (!factory) throw new Error('this browser offers no IndexedDB');
  const opening = factory.open(DATABASE, 1);
  opening.onupgradeneeded = () => opening.result.createObjectStore(STORE, { keyPath: 'id' });
  const db = await settle(opening);
  // Another tab upgrading the schema must not wait for this one.
  db.onversionchange = () => db.close();
  return {
    getAll: async () => settle(db.transaction(STORE, 'readonly').objectStore(STORE).getAll()),
    put: (record) => run(db, 'readwrite', (store) => store.put(record)),
    delete: (id) => run(db, 'readwrite', (store) => store.delete(id)),
  };
}

/** What to tell the person when sessions cannot be written. */
export function storageProblem(error: unknown): string {
  if (error instanceof Error && error.name === 'QuotaExceededError') {
    return 'Storage on this device is full, so the latest changes are kept in memory only until you close the page. Delete old sessions to make room.';
  }
  const detail = error instanceof Error ? error.message || error.name : String(error);
  return `Sessions cannot be saved on this device (${detail}); they are kept in memory until you close the page.`;
}

function isSessionRecord(value: unknown): value is SessionRecord {
  const record = value as Partial<SessionRecord> | null;
  return typeof record?.id === 'string' && Array.isArray(record.segments) && typeof record.createdAt === 'number' && typeof record.ledger === 'object';
}

/**
 * Sessions in memory, written through to IndexedDB. Writes of a growing session are coalesced
 * (at most one per `writeIntervalMs`). When storage is unavailable or full the sessions stay in
 * memory, and the status says so; later writes try again.
 */
export class SessionStore {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();
  private status: StoreStatus | undefined;

  private constructor(
    private readonly database: SessionDatabase | undefined,
    private readonly onStatus: (status: StoreStatus) => void,
    private readonly writeIntervalMs: number,
  ) {}

  static async open(openDatabase: () => Promise<SessionDatabase>, onStatus: (status: StoreStatus) => void, writeIntervalMs = 400): Promise<SessionStore> {
    let database: SessionDatabase | undefined;
    let records: unknown[] = [];
    let problem: unknown;
    try {
      database = await openDatabase();
      records = await database.getAll();
    } catch (error) {
      database = undefined;
      problem = error;
    }
    const store = new SessionStore(database, onStatus, writeIntervalMs);
    for (const record of records.filter(isSessionRecord)) store.sessions.set(record.id, record);
    store.report(problem === undefined ? SAVED : { state: 'memory', message: storageProblem(problem) });
    return store;
  }

  /** Newest first. */
  list(): SessionRecord[] {
    return newestFirst([...this.sessions.values()]);
  }

  get(id: string): SessionRecord | undefined {
    return this.sessions.get(id);
  }

  save(record: SessionRecord): void {
    this.sessions.set(record.id, record);
    if (!this.database || this.pending.has(record.id)) return;
    this.report(SAVING);
    this.pending.set(record.id, setTimeout(() => void this.write(record.id), this.writeIntervalMs));
  }

  async delete(id: string): Promise<void> {
    clearTimeout(this.pending.get(id));
    this.pending.delete(id);
    this.sessions.delete(id);
    if (this.database) this.report(SAVING);
    await this.attempt(() => this.database?.delete(id));
  }

  /** Writes every coalesced change now (when the page is hidden, say). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending.keys()].map((id) => this.write(id)));
  }

  private async write(id: string): Promise<void> {
    clearTimeout(this.pending.get(id));
    this.pending.delete(id);
    const record = this.sessions.get(id);
    if (record) await this.attempt(() => this.database?.put(record));
  }

  private async attempt(work: () => Promise<void> | undefined): Promise<void> {
    if (!this.database) return;
    try {
      await work();
      if (this.pending.size === 0) this.report(SAVED);
    } catch (error) {
      this.report({ state: 'memory', message: storageProblem(error) });
    }
  }

  private report(status: StoreStatus): void {
    if (this.status?.state === status.state && this.status.message === status.message) return;
    this.status = status;
    this.onStatus(status);
  }
}
