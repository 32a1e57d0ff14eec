/** An in-memory `Storage` for specs; `failWrites` simulates a full or disabled storage. */
export class MemoryStorage implements Storage {
  private readonly items = new Map<string, string>();
  /** When true, `setItem` throws like a full or disabled storage does. */
  failWrites = false;

  /** How many items are stored. */
  get length(): number {
    return this.items.size;
  }

  /** Removes every item. */
  clear(): void {
    this.items.clear();
  }

  /** The item stored under `key`, or `null`. */
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }

  /** The key at `index`, in insertion order, or `null`. */
  key(index: number): string | null {
    return [...this.items.keys()][index] ?? null;
  }

  /** Removes the item under `key`. */
  removeItem(key: string): void {
    this.items.delete(key);
  }

  /** Stores `value` under `key`, or throws when `failWrites` is set. */
  setItem(key: string, value: string): void {
    if (this.failWrites) {
      throw new DOMException('Quota exceeded', 'QuotaExceededError');
    }
    this.items.set(key, String(value));
  }
}
