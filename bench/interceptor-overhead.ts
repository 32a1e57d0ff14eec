import type { Browser } from '@playwright/test';

import type { OverheadRuns, OverheadVariant } from './harness/bench-harness';
import { median } from './median';
import { openHarness } from './open-harness';
import type { PartResult } from './part-result';

/** Fresh pages per mode: each boots its own isolate, whose JIT decisions can favour one variant for its whole life. */
const PAGES = 5;
const ROUNDS = 10;
/** Long enough for a run to span many young-generation collections, so that each variant pays for its own garbage. */
const PER_RUN = 10_000;
/** With DPoP each request waits for an ES256 signature (WebCrypto, off the main thread), so fewer make a run as long. */
const PER_RUN_DPOP = 1_000;
/**
 * The most the interceptor may cost over the resend floor (the zone.js issue): no interceptor that can resend gets near
 * the header-only floor with 100 in flight.
 */
const TARGET = 1.1;

/** Where the harness is served: built zoneless, and built with zone.js as a polyfill. */
export interface HarnessUrls {
  readonly zoneless: string;
  readonly 'zone.js': string;
}

/**
 * Part 1: µs per request through HttpClient with the auth interceptor, two floors and none, one at a time and 100 in
 * flight, in a zoneless page and in a zone.js page (requests made inside the Angular zone, as a component makes them).
 */
export async function benchInterceptorOverhead(browser: Browser, harnessUrls: HarnessUrls): Promise<PartResult> {
  const modes = (['zoneless', 'zone.js'] as const).flatMap((page) => [
    { name: `${page}, one at a time (sync backend)`, inFlight: 1, harnessUrl: harnessUrls[page], dpop: false, perRun: PER_RUN },
    { name: `${page}, 100 in flight (microtask backend)`, inFlight: 100, harnessUrl: harnessUrls[page], dpop: false, perRun: PER_RUN },
  ]);
  // withDPoP(): the same app, each request with a fresh proof (its ath hashed, its ES256 signature from WebCrypto).
  modes.push(
    ...(['zoneless', 'zone.js'] as const).map((page) => ({
      name: `${page}, 100 in flight, withDPoP()`,
      inFlight: 100,
      harnessUrl: harnessUrls[page],
      dpop: true,
      perRun: PER_RUN_DPOP,
    })),
  );
  const data = [];
  for (const mode of modes) {
    const harnessUrl = mode.harnessUrl;
    const pages: OverheadRuns[] = [];
    for (let i = 0; i < PAGES; i++) {
      const page = await openHarness(browser, harnessUrl);
      pages.push(
        await page.evaluate((options) => window.bench.measureOverhead(options), {
          rounds: ROUNDS,
          perRun: mode.perRun,
          inFlight: mode.inFlight,
          dpop: mode.dpop,
        }),
      );
      await page.context().close();
    }
    const us = (variant: OverheadVariant) => median(pages.flatMap((runs) => runs[variant]));
    // A round runs the variants back to back, so its ratio cancels what drifts between rounds (the machine is shared);
    // a page's ratio is the median of its rounds', and the result is the median of the pages'.
    const perPage = (over: OverheadVariant) =>
      pages.map((runs) => median(runs.withAuth.map((withAuth, round) => withAuth / runs[over][round])));
    const toFloor = perPage('headerOnly');
    data.push({
      mode: mode.name,
      inFlight: mode.inFlight,
      dpop: mode.dpop,
      requestsPerVariant: PAGES * ROUNDS * mode.perRun,
      us: { withAuth: us('withAuth'), headerAndResend: us('headerAndResend'), headerOnly: us('headerOnly'), without: us('without') },
      ratioToWithout: median(perPage('without')),
      ratioToFloor: median(toFloor),
      ratioToFloorRange: [Math.min(...toFloor), Math.max(...toFloor)],
      ratioToResendFloor: median(perPage('headerAndResend')),
      pages,
    });
  }
  const sync = data[0];
  const zoneSync = data[2];
  const dpopRows = data.filter((row) => row.dpop);

  return {
    title: '1. Interceptor overhead (HttpClient → in-memory HttpBackend, headless Chromium)',
    headers: [
      'Mode',
      'Requests per variant',
      'Without µs/req',
      'Header-only µs/req',
      'Header + resend µs/req',
      'With authInterceptor µs/req',
      'vs without',
      'vs header-only (pages: min–max)',
      'vs header + resend',
      `Target ≤ ${TARGET}× header + resend`,
    ],
    rows: data.map((row) => [
      row.mode,
      row.requestsPerVariant.toLocaleString('en-US'),
      row.us.without.toFixed(2),
      row.us.headerOnly.toFixed(2),
      row.us.headerAndResend.toFixed(2),
      row.us.withAuth.toFixed(2),
      `${row.ratioToWithout.toFixed(2)}×`,
      `${row.ratioToFloor.toFixed(2)}× (${row.ratioToFloorRange.map((ratio) => ratio.toFixed(2)).join('–')})`,
      `${row.ratioToResendFloor.toFixed(2)}×`,
      row.dpop ? 'reported' : row.ratioToResendFloor <= TARGET ? 'met' : 'missed',
    ]),
    notes: [
      `${PAGES} fresh pages per mode, each timing ${ROUNDS} rounds of ${PER_RUN.toLocaleString('en-US')} requests per variant after three warm-up rounds, the order rotating each round.`,
      'Ratios are per round (the variants run back to back, so what drifts between rounds cancels), then the median of each page, then the median of the pages; µs/req are medians of every run.',
      'Header-only is the floor for any bearer interceptor: one request clone with one header, no origin check, no 401 handling.',
      'Header + resend is the floor for one that resends after a 401: the same plus a catchError that resends once, so it keeps the request and `next` until the response arrives, as any interceptor that can resend must.',
      'Every variant uses provideHttpClient (so each pays for HttpClient, the interceptor chain and XSRF); "with" adds provideAuth() and authInterceptor, signed in, so every request is same-origin and gets its bearer header.',
      `The one-at-a-time mode has no I/O at all, so the ratio is the worst case: the interceptor adds ${(sync.us.withAuth - sync.us.without).toFixed(1)} µs per request, ` +
        `${((sync.us.withAuth - sync.us.without) / 10).toFixed(2)}% of a 1 ms round trip (${(zoneSync.us.withAuth - zoneSync.us.without).toFixed(1)} µs on zone.js).`,
      'The zone.js page is the same harness built with zone.js as a polyfill; every variant boots with provideZoneChangeDetection() and sends from inside its own NgZone.',
      `withDPoP() rows (${PER_RUN_DPOP.toLocaleString('en-US')} requests per run): the floors are still bearer floors, so the ratio is the cost of a proof per request, ` +
        `${dpopRows.map((row) => `${row.mode.split(',')[0]} +${(row.us.withAuth - row.us.headerAndResend).toFixed(0)} µs`).join(', ')} over the resend floor: ` +
        'a SHA-256 of the token (ath), an ES256 signature by WebCrypto and a JWS by jose. There is no target: no proof can be reused, so none can be cached.',
    ],
    data,
  };
}
