import { IndexedDbTokenStorage } from './indexed-db-token-storage';
import { TokenStorage } from './token-storage';

/** A same-origin browsing context with its own IndexedDB connection and Web Locks handle, as a second tab has. */
function openContext(): { readonly window: Window; readonly close: () => void } {
  const frame = document.createElement('iframe');
  document.body.appendChild(frame);
  return { window: frame.contentWindow!, close: () => frame.remove() };
}

describe('IndexedDbTokenStorage', () => {
  let name: string;
  const opened: { close(): void }[] = [];

  beforeEach(() => (name = `atr-spec-${crypto.randomUUID()}`));

  afterEach(async () => {
    opened.splice(0).forEach((item) => item.close());
    await new Promise((resolve) => {
      const request = indexedDB.deleteDatabase(name);
      request.onsuccess = request.onerror = request.onblocked = resolve;
    });
  });

  function storageIn(context: { window: Window; close: () => void }): IndexedDbTokenStorage {
    const storage = new IndexedDbTokenStorage(name, context.window.indexedDB);
    opened.push(storage, context);
    return storage;
  }

  describe('when two contexts take turns under one Web Lock, each reading, incrementing and writing a counter', () => {
    it('never lets a holder read less than the previous holder wrote: 300 cycles, 0 stale reads, none lost', async () => {
      const contexts = [openContext(), openContext()];
      const storages = contexts.map((context) => storageIn(context));
      const lock = `atr-spec-lock-${name}`;
      let committed = 0;
      const stale: number[] = [];

      const run = async (storage: TokenStorage, locks: LockManager) => {
        for (let cycle = 0; cycle < 150; cycle++) {
          await locks.request(lock, async () => {
            const read = Number((await storage.read()) ?? 0);
            if (read !== committed) {
              stale.push(read);
            }
            await storage.update(() => read + 1);
            committed = read + 1;
          });
          // A little unevenness, so the lock changes hands in both directions.
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 2));
        }
      };
      await Promise.all(storages.map((storage, i) => run(storage, contexts[i].window.navigator.locks)));

      expect(stale).toEqual([]);
      expect(await storages[0].read()).toBe(300);
    });
  });

  describe('update', () => {
    it('stores what the change returns, keeps the value on undefined, and removes it on null', async () => {
      const storage = storageIn(openContext());

      const stored = await storage.update(() => ({ refreshToken: 'rt-1' }));
      const kept = await storage.update(() => undefined);
      const removed = await storage.update(() => null);

      expect(stored).toEqual({ refreshToken: 'rt-1' });
      expect(kept).toEqual({ refreshToken: 'rt-1' });
      expect(removed).toBeNull();
      expect(await storage.read()).toBeNull();
    });

    it('is atomic across contexts: of two compare-and-set writes from the same value, exactly one applies', async () => {
      const [a, b] = [storageIn(openContext()), storageIn(openContext())];
      await a.update(() => 'rt-1');

      const swap = (storage: IndexedDbTokenStorage, next: string) => storage.update((stored) => (stored === 'rt-1' ? next : undefined));
      const results = await Promise.all([swap(a, 'rt-a'), swap(b, 'rt-b')]);

      const final = await a.read();
      expect(['rt-a', 'rt-b']).toContain(final as string);
      expect(results).toEqual([final, final]);
    });
  });

  describe('when the browser closes the connection, or another version of the app upgrades the database', () => {
    it('opens a new connection on the next call', async () => {
      const storage = storageIn(openContext());
      await storage.update(() => 'rt-1');

      storage.close();

      expect(await storage.read()).toBe('rt-1');
    });
  });
});
