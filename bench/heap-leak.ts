import type { Browser, CDPSession } from '@playwright/test';

import { openHarness } from './open-harness';
import type { PartResult } from './part-result';

const EARLY = 100;
const LATE = 10_000;
// Any object retained per cycle costs at least this much, so less growth per cycle than this means nothing is retained.
const SMALLEST_OBJECT_BYTES = 16;

/** Part 5: JS heap after a forced GC, after 100 and after 10,000 refresh cycles (expire → 401 → refresh → retry). */
export async function benchHeapLeak(browser: Browser, harnessUrl: string): Promise<PartResult> {
  const page = await openHarness(browser, harnessUrl);
  const cdp = await page.context().newCDPSession(page);
  await page.evaluate((count) => window.bench.runRefreshCycles(count), EARLY);
  const early = await heapAfterGc(cdp);
  const refreshes = await page.evaluate((count) => window.bench.runRefreshCycles(count), LATE - EARLY);
  const late = await heapAfterGc(cdp);
  await page.context().close();

  const delta = late - early;
  const perCycle = delta / (LATE - EARLY);
  const kb = (bytes: number) => (bytes / 1000).toFixed(1);
  return {
    title: '5. Leak check (refresh cycles against an in-memory backend, heap after forced GC)',
    headers: ['After cycles', 'JS heap used kB', 'Refreshes'],
    rows: [
      [EARLY.toLocaleString('en-US'), kb(early), ''],
      [LATE.toLocaleString('en-US'), kb(late), refreshes.toLocaleString('en-US')],
      ['Δ', `${delta >= 0 ? '+' : ''}${kb(delta)} (${perCycle.toFixed(2)} B/cycle)`, ''],
    ],
    notes: [
      'Each cycle: the in-memory server stops accepting the access token, a GET earns a 401, the one refresh rotates the pair (through the real TabLock, localStorage and BroadcastChannel), the retry gets 200.',
      `Heap read via CDP (HeapProfiler.collectGarbage twice, then Runtime.getHeapUsage). Growth of ${perCycle.toFixed(2)} B/cycle is ` +
        (Math.abs(perCycle) < SMALLEST_OBJECT_BYTES
          ? `below the ${SMALLEST_OBJECT_BYTES} B of the smallest JS object, so no cycle retains anything: noise.`
          : `at least one retained object per cycle: a leak.`),
    ],
    data: { cycles: { early: EARLY, late: LATE }, heapBytes: { early, late, delta, perCycle }, refreshes },
  };
}

async function heapAfterGc(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  return usedSize;
}
