import type { TokenStorage } from './token-storage';

const STORE = 'tokens';
const KEY = 'current';

/**
 * A {@link TokenStorage} in IndexedDB. A transaction has been committed by the browser's storage backend when
 * `complete` fires, and every transaction that starts later, in any tab, sees it: that is what makes a read under
 * the refresh lock current. Read-then-write runs in one transaction, so it is atomic across tabs.
 */
export class IndexedDbTokenStorage implements TokenStorage {
  private connection: Promise<IDBDatabase> | null = null;

  /** Uses database `name` of `factory` (the page's `indexedDB` unless given). */
  constructor(
    private readonly name: string,
    private readonly factory: IDBFactory = indexedDB,
  ) {}

  /** The stored value, or `null`. */
  read(): Promise<unknown> {
    return this.transact('readonly', (store, done) => {
      const get = store.get(KEY);
      get.onsuccess = () => done(get.result ?? null);
    });
  }

  /** Reads and writes in one `readwrite` transaction; resolves when it is committed. */
  update(change: (stored: unknown) => unknown): Promise<unknown> {
    return this.transact('readwrite', (store, done) => {
      const get = store.get(KEY);
      get.onsuccess = () => {
        const stored: unknown = get.result ?? null;
        const next = change(stored);
        if (next === undefined) {
          done(stored);
        } else if (next === null) {
          store.delete(KEY);
          done(null);
        } else {
          store.put(next, KEY);
          done(next);
        }
      };
    });
  }

  /** Closes the connection; the next call opens a new one. */
  close(): void {
    void this.connection?.then(
      (db) => db.close(),
      () => undefined,
    );
    this.connection = null;
  }

  private async transact(
    mode: IDBTransactionMode,
    body: (store: IDBObjectStore, done: (value: unknown) => void) => void,
  ): Promise<unknown> {
    const db = await this.open();
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      let result: unknown = null;
      body(transaction.objectStore(STORE), (value) => (result = value));
      transaction.oncomplete = () => resolve(result);
      transaction.onerror = transaction.onabort = () => reject(transaction.error ?? new DOMException('Transaction aborted', 'AbortError'));
    });
  }

  private open(): Promise<IDBDatabase> {
    this.connection ??= new Promise<IDBDatabase>((resolve, reject) => {
      const request = this.factory.open(this.name, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => {
        const db = request.result;
        // Let a newer version of the app upgrade the schema, and reconnect if the browser closes the connection.
        db.onversionchange = () => this.close();
        db.onclose = () => (this.connection = null);
        resolve(db);
      };
      request.onerror = () => reject(request.error);
    });
    const connection = this.connection;
    // A failed open (private mode, disk error) is not cached, so a later call tries again.
    connection.catch(() => {
      if (this.connection === connection) {
        this.connection = null;
      }
    });
    return connection;
  }
}
