import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionRecord } from '../shared/pipeline-types.ts';
import { newSession } from '../shared/session-state.ts';
import { openSessionDatabase, SessionStore, storageProblem, type SessionDatabase, type StoreStatus } from './session-store.ts';

const settings = { sourceLanguage: 'en', targetLanguage: 'de', mode: 'prefer-server' as const };
const session = (id: string, updatedAt: number, title = id): SessionRecord => ({ ...newSession(id, settings, 0), updatedAt, title });

/** An in-memory stand-in for IndexedDB that can be told to fail. */
class FakeDatabase implements SessionDatabase {
  readonly rows = new Map<string, SessionRecord>();
  puts: SessionRecord[] = [];
  failWith: Error | undefined;

  async getAll(): Promise<unknown[]> {
    return [...this.rows.values(), { not: 'a session' }];
  }

  async put(record: SessionRecord): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.puts.push(record);
    this.rows.set(record.id, record);
  }

  async delete(id: string): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.rows.delete(id);
  }
}

const quotaError = () => Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' });

describe('SessionStore', () => {
  let database: FakeDatabase;
  let statuses: StoreStatus[];
  const open = () => SessionStore.open(async () => database, (status) => statuses.push(status), 400);

  beforeEach(() => {
    vi.useFakeTimers();
    database = new FakeDatabase();
    statuses = [];
  });
  afterEach(() => vi.useRealTimers());

  it('lists stored sessions newest first and ignores rows that are not sessions', async () => {
    for (const record of [session('a', 10), session('b', 30), session('c', 20)]) database.rows.set(record.id, record);
    const store = await open();
    expect(store.list().map((r) => r.id)).toEqual(['b', 'c', 'a']);
    expect(store.get('c')?.updatedAt).toBe(20);
    expect(statuses).toEqual([{ state: 'saved', message: 'Saved on this device' }]);
  });

  it('coalesces the saves of a growing session into one write per interval', async () => {
    const store = await open();
    for (let i = 1; i <= 5; i++) store.save(session('a', i));
    expect(store.get('a')?.updatedAt).toBe(5);
    expect(database.puts).toEqual([]);
    expect(statuses.at(-1)?.state).toBe('saving');

    await vi.advanceTimersByTimeAsync(400);
    expect(database.puts.map((r) => r.updatedAt)).toEqual([5]);
    expect(statuses.at(-1)?.state).toBe('saved');

    store.save(session('a', 6));
    await store.flush();
    expect(database.puts.map((r) => r.updatedAt)).toEqual([5, 6]);
  });

  it('deletes, cancelling a pending write', async () => {
    const store = await open();
    store.save(session('a', 1));
    await store.flush();
    store.save(session('a', 2));
    await store.delete('a');
    await vi.advanceTimersByTimeAsync(1000);
    expect(store.list()).toEqual([]);
    expect(database.rows.has('a')).toBe(false);
    expect(database.puts).toHaveLength(1);
  });

  it('keeps sessions in memory and says so when storage is full, then recovers', async () => {
    const store = await open();
    database.failWith = quotaError();
    store.save(session('a', 1));
    await store.flush();
    expect(store.get('a')).toBeDefined();
    expect(statuses.at(-1)).toEqual({ state: 'memory', message: expect.stringMatching(/^Storage on this device is full.*Delete old sessions/) });

    database.failWith = undefined;
    store.save(session('a', 2));
    await store.flush();
    expect(database.rows.get('a')?.updatedAt).toBe(2);
    expect(statuses.at(-1)?.state).toBe('saved');
  });

  it('works in memory when storage cannot be opened', async () => {
    const store = await SessionStore.open(() => openSessionDatabase(undefined), (status) => statuses.push(status));
    store.save(session('a', 1));
    store.save(session('b', 2));
    await store.flush();
    expect(store.list().map((r) => r.id)).toEqual(['b', 'a']);
    await store.delete('b');
    expect(store.list().map((r) => r.id)).toEqual(['a']);
    expect(statuses).toEqual([{ state: 'memory', message: 'Sessions cannot be saved on this device (this browser offers no IndexedDB); they are kept in memory until you close the page.' }]);
  });
});

describe('storageProblem', () => {
  it('names the cause', () => {
    expect(storageProblem(quotaError())).toMatch(/full/);
    expect(storageProblem(Object.assign(new Error(''), { name: 'InvalidStateError' }))).toMatch(/\(InvalidStateError\)/);
    expect(storageProblem('blocked')).toMatch(/\(blocked\)/);
  });
});
