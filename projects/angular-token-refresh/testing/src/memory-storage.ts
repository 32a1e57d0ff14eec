import type { TokenStorage } from 'angular-token-refresh';

/** An in-memory {@link TokenStorage} for specs, shared by the "tabs" of a spec; `failWrites` simulates a full storage. */
export class MemoryStorage implements TokenStorage {
  /** What is stored; a spec sets it to play another tab that wrote to storage. */
  value: unknown = null;
  /** When true, writes fail like a full or disabled storage. */
  failWrites = false;

  /** A copy of what is stored, as IndexedDB reads give one. */
  read(): Promise<unknown> {
    return Promise.resolve(structuredClone(this.value));
  }

  /** Applies `change` at once (an atomic step), or fails when `failWrites` is set and it would write. */
  update(change: (stored: unknown) => unknown): Promise<unknown> {
    const next = change(structuredClone(this.value));
    if (next === undefined) {
      return this.read();
    }
    if (this.failWrites) {
      return Promise.reject(new DOMException('Quota exceeded', 'QuotaExceededError'));
    }
    this.value = structuredClone(next);
    return this.read();
  }
}
