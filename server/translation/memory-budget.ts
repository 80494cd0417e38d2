import { TranslationError } from './errors.ts';

const mib = (bytes: number) => `${Math.ceil(bytes / 2 ** 20)} MiB`;

/** Which models may stay loaded at once: reservations within a byte limit, least recently used first out. */
export class MemoryBudget {
  // Insertion order is recency: touch() re-inserts.
  readonly #reserved = new Map<string, number>();

  constructor(readonly limitBytes: number) {}

  get usedBytes(): number {
    let used = 0;
    for (const bytes of this.#reserved.values()) used += bytes;
    return used;
  }

  has(id: string): boolean {
    return this.#reserved.has(id);
  }

  touch(id: string): void {
    const bytes = this.#reserved.get(id);
    if (bytes === undefined) return;
    this.#reserved.delete(id);
    this.#reserved.set(id, bytes);
  }

  /**
   * Reserves room for a model, giving up the least recently used reservations that `canEvict` allows.
   * Returns the evicted ids (the caller unloads them); throws, evicting nothing, when it cannot fit.
   */
  reserve(id: string, bytes: number, canEvict: (id: string) => boolean): string[] {
    if (bytes > this.limitBytes) {
      throw new TranslationError('model-unavailable', `Model ${id} needs about ${mib(bytes)}, more than the whole memory budget of ${mib(this.limitBytes)}.`);
    }
    let used = this.usedBytes - (this.#reserved.get(id) ?? 0);
    const evicted: string[] = [];
    for (const [other, otherBytes] of this.#reserved) {
      if (used + bytes <= this.limitBytes) break;
      if (other === id || !canEvict(other)) continue;
      evicted.push(other);
      used -= otherBytes;
    }
    if (used + bytes > this.limitBytes) {
      throw new TranslationError(
        'model-unavailable',
        `Model ${id} needs about ${mib(bytes)}; the memory budget of ${mib(this.limitBytes)} is taken by models in use.`,
      );
    }
    for (const other of evicted) this.#reserved.delete(other);
    this.#reserved.delete(id);
    this.#reserved.set(id, bytes);
    return evicted;
  }

  /** Corrects a reservation once the real size is known (e.g. the precision that was chosen). */
  resize(id: string, bytes: number): void {
    if (this.#reserved.has(id)) this.#reserved.set(id, bytes);
  }

  release(id: string): void {
    this.#reserved.delete(id);
  }
}
