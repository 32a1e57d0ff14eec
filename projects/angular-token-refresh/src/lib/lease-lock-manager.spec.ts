import { MemoryStorage, flushStorage } from 'angular-token-refresh/testing';

import { IndexedDbTokenStorage } from './indexed-db-token-storage';
import { LEASE_MS, LeaseLockManager } from './lease-lock-manager';

const NAME = 'angular-token-refresh.refresh';

describe('LeaseLockManager', () => {
  describe('when five tabs, each with its own IndexedDB connection, ask for the lease at once, 40 times in all', () => {
    it('never runs two holders at once, and every read-increment-write under it counts', async () => {
      const database = `lease-spec-${Math.random()}`;
      const tabs = Array.from(
        { length: 5 },
        () => new LeaseLockManager(new IndexedDbTokenStorage(database), new BroadcastChannel(database)),
      );
      const counter = new IndexedDbTokenStorage(`${database}.counter`);
      let holding = 0;
      let mostAtOnce = 0;

      await Promise.all(
        Array.from({ length: 40 }, (_, turn) =>
          tabs[turn % tabs.length].request(NAME, {}, async () => {
            mostAtOnce = Math.max(mostAtOnce, ++holding);
            const value = ((await counter.read()) as number | null) ?? 0;
            await new Promise((resolve) => setTimeout(resolve, 2));
            await counter.update(() => value + 1);
            holding--;
          }),
        ),
      );

      expect(mostAtOnce).toBe(1);
      expect(await counter.read()).toBe(40);
    });
  });

  describe('when the holder froze (or closed) and stopped renewing', () => {
    beforeEach(() => jasmine.clock().install().mockDate());
    afterEach(() => jasmine.clock().uninstall());

    it('lets the next tab take the lease once LEASE_MS passed, not before', async () => {
      const storage = new MemoryStorage();
      storage.value = { [NAME]: { holder: 'frozen-tab', until: Date.now() + LEASE_MS } };
      let ran = false;

      const taken = new LeaseLockManager(storage, null).request(NAME, {}, () => (ran = true));
      jasmine.clock().tick(LEASE_MS - 300);
      await flushStorage();
      const before = ran;
      jasmine.clock().tick(600);
      await flushStorage();
      await taken;

      expect(before).toBeFalse();
      expect(ran).toBeTrue();
      expect(storage.value).toEqual({ [NAME]: null });
    });

    it('renews its own lease while its work runs, so no other tab takes it', async () => {
      const storage = new MemoryStorage();
      let finish: () => void = () => undefined;
      let secondRan = false;

      const first = new LeaseLockManager(storage, null).request(NAME, {}, () => new Promise<void>((resolve) => (finish = resolve)));
      await flushStorage();
      const second = new LeaseLockManager(storage, null).request(NAME, {}, () => (secondRan = true));
      for (let waited = 0; waited < 3 * LEASE_MS; waited += 1_000) {
        jasmine.clock().tick(1_000);
        await flushStorage();
      }
      const whileHeld = secondRan;
      finish();
      await first;
      jasmine.clock().tick(300);
      await flushStorage();
      await second;

      expect(whileHeld).toBeFalse();
      expect(secondRan).toBeTrue();
    });
  });

  describe('when the wait is aborted', () => {
    it('rejects with the abort reason, runs nothing, and leaves the lease to its holder', async () => {
      const storage = new MemoryStorage();
      const held = { holder: 'other-tab', until: Date.now() + LEASE_MS };
      storage.value = { [NAME]: held };
      const waiting = new AbortController();
      let ran = false;

      const request = new LeaseLockManager(storage, null).request(NAME, { signal: waiting.signal }, () => (ran = true));
      waiting.abort();

      await expectAsync(request).toBeRejected();
      expect(ran).toBeFalse();
      expect(storage.value).toEqual({ [NAME]: held });
    });
  });

  describe('when the storage fails', () => {
    it('runs the work in this tab anyway, as without any lock', async () => {
      const storage = new MemoryStorage();
      storage.failWrites = true;

      expect(await new LeaseLockManager(storage, null).request(NAME, {}, () => 'done')).toBe('done');
    });
  });
});
