import { Page } from '@playwright/test';

import { expect, test } from './fixtures';

const CYCLES_PER_TAB = 150;

/**
 * In the page: `CYCLES_PER_TAB` turns of read, increment, write under one Web Lock, on IndexedDB (one transaction to
 * read, one to write, as the app does) or on localStorage. Resolves with the reads that were older than this tab's own
 * last write, which only a store that lags between tabs can produce.
 */
function takeTurns(page: Page, store: 'indexedDB' | 'localStorage'): Promise<number> {
  return page.evaluate(
    async ({ store, cycles }) => {
      const open = () =>
        new Promise<IDBDatabase>((resolve, reject) => {
          const request = indexedDB.open('atr-consistency', 1);
          request.onupgradeneeded = () => request.result.createObjectStore('counter');
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
      const db = store === 'indexedDB' ? await open() : null;
      const transact = (mode: IDBTransactionMode, body: (s: IDBObjectStore, done: (v: number) => void) => void) =>
        new Promise<number>((resolve, reject) => {
          const transaction = db!.transaction('counter', mode);
          let result = 0;
          body(transaction.objectStore('counter'), (value) => (result = value));
          transaction.oncomplete = () => resolve(result);
          transaction.onerror = () => reject(transaction.error);
        });
      const read = () =>
        store === 'indexedDB'
          ? transact('readonly', (s, done) => {
              const get = s.get('n');
              get.onsuccess = () => done(get.result ?? 0);
            })
          : Promise.resolve(Number(localStorage.getItem('atr-consistency') ?? 0));
      const write = (n: number) =>
        store === 'indexedDB'
          ? transact('readwrite', (s) => s.put(n, 'n'))
          : Promise.resolve(localStorage.setItem('atr-consistency', String(n)));
      let stale = 0;
      let wrote = 0;
      for (let cycle = 0; cycle < cycles; cycle++) {
        await navigator.locks.request('atr-consistency', async () => {
          const n = await read();
          stale += n < wrote ? 1 : 0;
          await write(n + 1);
          wrote = n + 1;
        });
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      }
      return stale;
    },
    { store, cycles: CYCLES_PER_TAB },
  );
}

function finalCount(page: Page, store: 'indexedDB' | 'localStorage'): Promise<number> {
  return page.evaluate(
    (store) =>
      store === 'localStorage'
        ? Number(localStorage.getItem('atr-consistency'))
        : new Promise<number>((resolve) => {
            const request = indexedDB.open('atr-consistency', 1);
            request.onsuccess = () => {
              const get = request.result.transaction('counter').objectStore('counter').get('n');
              get.onsuccess = () => resolve(get.result);
            };
          }),
    store,
  );
}

test.describe('storage shared by two tabs, each in its own renderer process', () => {
  test('IndexedDB under a Web Lock: 300 read-increment-write turns lose none (localStorage, measured alongside, does)', async ({
    page,
    context,
  }) => {
    await page.goto('/login');
    const other = await context.newPage();
    await other.goto('/login');

    const idbStale = await Promise.all([takeTurns(page, 'indexedDB'), takeTurns(other, 'indexedDB')]);
    const lsStale = await Promise.all([takeTurns(page, 'localStorage'), takeTurns(other, 'localStorage')]);
    const lsLost = 2 * CYCLES_PER_TAB - (await finalCount(page, 'localStorage'));

    // localStorage is what the app used to trust; how much it lags depends on the machine, so it is reported, not asserted.
    console.log(
      `localStorage: ${lsLost} of ${2 * CYCLES_PER_TAB} increments lost, ${lsStale[0] + lsStale[1]} reads older than the tab's own write`,
    );
    expect(idbStale).toEqual([0, 0]);
    expect(await finalCount(page, 'indexedDB')).toBe(2 * CYCLES_PER_TAB);
  });
});
