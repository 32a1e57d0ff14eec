import type { Browser, CDPSession } from '@playwright/test';

import { openHarness } from './open-harness';
import type { PartResult } from './part-result';

// The issue compares 100 with 10,000 cycles; the readings between show whether growth is one-time warm-up or per cycle.
const CHECKPOINTS = [100, 1_000, 5_000, 10_000];
// Any object retained per cycle costs at least this much, so less growth per cycle than this means nothing is retained.
const SMALLEST_OBJECT_BYTES = 16;

/** Part 5: JS heap after a forced GC, after 100 and after 10,000 refresh cycles (expire → 401 → refresh → retry). */
export async function benchHeapLeak(browser: Browser, harnessUrl: string): Promise<PartResult> {
  const page = await openHarness(browser, harnessUrl);
  const cdp = await page.context().newCDPSession(page);
  const readings: { cycles: number; refreshes: number; heapBytes: number }[] = [];
  let done = 0;
  for (const cycles of CHECKPOINTS) {
    const refreshes = await page.evaluate((count) => window.bench.runRefreshCycles(count), cycles - done);
    done = cycles;
    readings.push({ cycles, refreshes, heapBytes: await heapAfterGc(cdp) });
  }
  await page.context().close();

  const first = readings[0];
  const last = readings[readings.length - 1];
  const previous = readings[readings.length - 2];
  const growth = (from: typeof first, to: typeof first) => (to.heapBytes - from.heapBytes) / (to.cycles - from.cycles);
  const total = last.heapBytes - first.heapBytes;
  const steady = growth(previous, last);
  const kb = (bytes: number) => (bytes / 1000).toFixed(1);
  return {
    title: '5. Leak check (refresh cycles against an in-memory backend, heap after forced GC)',
    headers: ['After cycles', 'Refreshes', 'JS heap used kB'],
    rows: readings.map((reading) => [
      reading.cycles.toLocaleString('en-US'),
      reading.refreshes.toLocaleString('en-US'),
      kb(reading.heapBytes),
    ]),
    notes: [
      `${first.cycles} → ${last.cycles.toLocaleString('en-US')} cycles: ${total >= 0 ? '+' : ''}${kb(total)} kB (${growth(first, last).toFixed(1)} B/cycle); ` +
        `${previous.cycles.toLocaleString('en-US')} → ${last.cycles.toLocaleString('en-US')}: ${steady.toFixed(1)} B/cycle.`,
      Math.abs(steady) < SMALLEST_OBJECT_BYTES
        ? `Steady-state growth is below the ${SMALLEST_OBJECT_BYTES} B of the smallest JS object, so no cycle retains anything: no leak. ` +
          'The growth there is comes early and once (most likely V8 warming up: optimized code, inline caches), not per cycle.'
        : `Steady-state growth of ${steady.toFixed(1)} B/cycle means at least one object is retained per cycle: a leak.`,
      'Each cycle: the in-memory server stops accepting the access token, a GET earns a 401, the one refresh rotates the pair (through the real TabLock/Web Locks, IndexedDB and BroadcastChannel), the retry gets 200.',
      'Heap read via CDP: HeapProfiler.collectGarbage twice, then Runtime.getHeapUsage.',
    ],
    data: { readings, bytesPerCycle: { overall: growth(first, last), steady } },
  };
}

async function heapAfterGc(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  return usedSize;
}
