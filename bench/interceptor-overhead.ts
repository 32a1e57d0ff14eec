import type { Browser } from '@playwright/test';

import { median } from './median';
import { openHarness } from './open-harness';
import type { PartResult } from './part-result';

const ROUNDS = 10;
const PER_RUN = 2_000;
/** The most the interceptor may cost over the header-only floor (the code-health issue). */
const TARGET = 1.1;

/** Part 1: µs per request through HttpClient with the auth interceptor vs without, one at a time and 100 in flight. */
export async function benchInterceptorOverhead(browser: Browser, harnessUrl: string): Promise<PartResult> {
  const page = await openHarness(browser, harnessUrl);
  const modes = [
    { name: 'one at a time (sync backend)', inFlight: 1 },
    { name: '100 in flight (microtask backend)', inFlight: 100 },
  ];
  const data = [];
  for (const mode of modes) {
    const runs = await page.evaluate((options) => window.bench.measureOverhead(options), {
      rounds: ROUNDS,
      perRun: PER_RUN,
      inFlight: mode.inFlight,
    });
    const withAuth = median(runs.withAuth);
    const headerOnly = median(runs.headerOnly);
    const without = median(runs.without);
    data.push({
      mode: mode.name,
      inFlight: mode.inFlight,
      requestsPerVariant: ROUNDS * PER_RUN,
      withAuthUs: withAuth,
      headerOnlyUs: headerOnly,
      withoutUs: without,
      ratio: withAuth / without,
      ratioToFloor: withAuth / headerOnly,
      runs,
    });
  }
  await page.context().close();

  return {
    title: '1. Interceptor overhead (HttpClient → in-memory HttpBackend, headless Chromium)',
    headers: [
      'Mode',
      'Requests per variant',
      'Without µs/req',
      'Header-only µs/req',
      'With authInterceptor µs/req',
      'vs without',
      'vs header-only',
      `Target ≤ ${TARGET}× header-only`,
    ],
    rows: data.map((row) => [
      row.mode,
      row.requestsPerVariant.toLocaleString('en-US'),
      row.withoutUs.toFixed(2),
      row.headerOnlyUs.toFixed(2),
      row.withAuthUs.toFixed(2),
      `${row.ratio.toFixed(2)}×`,
      `${row.ratioToFloor.toFixed(2)}×`,
      row.ratioToFloor <= TARGET ? 'met' : 'missed',
    ]),
    notes: [
      `Median of ${ROUNDS} runs × ${PER_RUN.toLocaleString('en-US')} requests per variant, in one page, the order rotating each round after a warm-up round.`,
      'Header-only is the floor for any bearer interceptor: one request clone with one header, no origin check, no 401 handling.',
      'Both variants use provideHttpClient (so both pay for HttpClient, the interceptor chain and XSRF); "with" adds provideAuth() and authInterceptor, signed in, so every request is same-origin and gets its bearer header.',
      `The one-at-a-time mode has no I/O at all, so the ratio is the worst case: the interceptor adds ${(data[0].withAuthUs - data[0].withoutUs).toFixed(1)} µs per request, ` +
        `${((data[0].withAuthUs - data[0].withoutUs) / 10).toFixed(2)}% of a 1 ms round trip.`,
    ],
    data,
  };
}
