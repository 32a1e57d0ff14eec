import type { Browser, Page, Request } from '@playwright/test';

import { NGINX_MISSING } from '../e2e/proxy/find-nginx';
import { staggeredDelays } from '../src/app/pages/home/staggered-delays';
import type { BenchMode, StormRun } from './harness/bench-harness';
import { median } from './median';
import { openHarness } from './open-harness';
import type { PartResult } from './part-result';

const CONNECTIONS_PER_HOST = 6;
/** Chromium's limit of streams in flight on its one HTTP/2 connection per origin, which the nginx configuration allows. */
const STREAMS_PER_CONNECTION = 256;
const TARGET_N = 100;
const TARGET = 2.2;
const TARGET_VARIANT = 'delay=50';
/** The scale-out target: a storm of this many behind HTTP/2 makes one refresh, serves all, and settles within H2_TARGET_MS. */
const H2_TARGET_N = 1000;
const H2_TARGET_MS = 2000;

/** How the page reaches the token server: directly over HTTP/1.1, or through nginx over HTTP/2 (deploy/nginx). */
type Via = 'direct' | 'nginx';
const VIA_LABELS: Record<Via, string> = { direct: 'HTTP/1.1, direct', nginx: 'HTTP/2, nginx' };

const fixed = (n: number) => Array.from({ length: n }, () => 50);

// `&i=` makes every URL distinct. Chromium lets only one request per URL wait for response headers at a time
// (its HTTP cache lock), so identical URLs would measure that lock instead of the auth layer; the first variant shows it.
const distinctUrls = (n: number) => fixed(n).map((delay, i) => `/api/resources?delay=${delay}&i=${i}`);
const VARIANTS: { name: string; sizes: number[]; urls: (n: number) => string[]; mode: BenchMode }[] = [
  {
    name: 'delay=50, one URL',
    sizes: [10, 100],
    urls: (n: number) => fixed(n).map((delay) => `/api/resources?delay=${delay}`),
    mode: 'stored',
  },
  { name: TARGET_VARIANT, sizes: [10, 100, 1000], urls: distinctUrls, mode: 'stored' },
  {
    name: 'staggered 0–300',
    sizes: [10, 100, 1000],
    urls: (n: number) => staggeredDelays(n).map((delay, i) => `/api/resources?delay=${delay}&i=${i}`),
    mode: 'stored',
  },
];
/** The target row again, with the refresh token as an HttpOnly cookie (withRefreshTokenCookie, fetch backend). */
const COOKIE_VARIANT = { name: `${TARGET_VARIANT}, cookie mode`, sizes: [10, TARGET_N], urls: distinctUrls, mode: 'cookie' as BenchMode };
/** The target row again with withDPoP(): every send, resend and the refresh carry a fresh proof, which the server verifies. */
const DPOP_VARIANT = { name: `${TARGET_VARIANT}, withDPoP()`, sizes: [10, TARGET_N], urls: distinctUrls, mode: 'dpop' as BenchMode };

/** A harness page signed in on one origin, and what its bursts put on the wire. */
interface StormPage {
  readonly page: Page;
  readonly wire: Wire;
}

/** One row of the table: a variant at one N, reached one way, with every burst it ran. */
interface Row {
  readonly variant: string;
  readonly via: Via;
  readonly n: number;
  readonly rounds: number;
  readonly validMs: number;
  readonly brokenMs: number;
  readonly ratio: number;
  readonly floorMs: number;
  readonly valid: readonly (StormRun & Wire)[];
  readonly broken: readonly (StormRun & Wire)[];
}

/** What the browser put on the wire during one burst. */
interface Wire {
  refreshes: number;
  unauthorized: number;
  /** From the first refresh call leaving the page until it settled, queueing included. */
  refreshMs: number | null;
  /** The first refresh call ended without a response (the page gave up on it). */
  refreshAborted: boolean;
}

/**
 * Part 2: N concurrent GET /api/resources with a broken access token vs a valid one, against the real token server,
 * from a production build of the auth layer in Chromium. Valid and broken bursts alternate on the same page. With
 * `proxyUrl` (nginx in front of the same server), every variant with distinct URLs runs through it as well.
 */
export async function benchRefreshStorm(browser: Browser, harnessUrl: string, proxyUrl: string | null): Promise<PartResult> {
  const pages: Partial<Record<Via, StormPage>> = { direct: await openStormPage(browser, harnessUrl) };
  if (proxyUrl) {
    pages.nginx = await openStormPage(browser, proxyUrl);
  }
  const vias = Object.keys(pages) as Via[];

  const data: Row[] = [];
  for (const variant of [...VARIANTS, COOKIE_VARIANT, DPOP_VARIANT]) {
    for (const n of variant.sizes) {
      // One URL for all measures Chromium's cache lock, not the connections, so it runs direct only.
      for (const via of variant === VARIANTS[0] ? ['direct' as const] : vias) {
        const storm = pages[via]!;
        const urls = variant.urls(n);
        // Short bursts are noisy, so they run three times and the median is reported. So does every HTTP/2 row,
        // where a pair takes seconds, not the half minute of N = 1000 over HTTP/1.1.
        const rounds = n <= TARGET_N || via === 'nginx' ? 3 : 1;
        const valid: (StormRun & Wire)[] = [];
        const broken: (StormRun & Wire)[] = [];
        for (let round = 0; round < rounds; round++) {
          valid.push(await burst(storm, urls, false, variant.mode));
          broken.push(await burst(storm, urls, true, variant.mode));
        }
        const validMs = median(valid.map((run) => run.wallMs));
        const brokenMs = median(broken.map((run) => run.wallMs));
        data.push({
          variant: variant.name,
          via,
          n,
          rounds,
          validMs,
          brokenMs,
          ratio: brokenMs / validMs,
          floorMs: queueFloor(urls.map(delayOf), via === 'nginx' ? STREAMS_PER_CONNECTION : CONNECTIONS_PER_HOST),
          valid,
          broken,
        });
      }
    }
  }
  for (const storm of Object.values(pages)) {
    await storm.page.context().close();
  }

  const unserved = data.filter((row) => row.broken.some((run) => run.served < row.n));
  const rowOf = (variant: string, via: Via, n: number) => data.find((row) => row.variant === variant && row.via === via && row.n === n);
  const target = rowOf(TARGET_VARIANT, 'direct', TARGET_N)!;
  const cookie = rowOf(COOKIE_VARIANT.name, 'direct', TARGET_N)!;
  const cookieMet = cookie.ratio <= TARGET && cookie.broken.every((run) => run.refreshes === 1 && run.served === TARGET_N);
  const dpop = rowOf(DPOP_VARIANT.name, 'direct', TARGET_N)!;
  const dpopMet = dpop.ratio <= TARGET && dpop.broken.every((run) => run.refreshes === 1 && run.served === TARGET_N);
  const oneUrl = rowOf(VARIANTS[0].name, 'direct', TARGET_N)!;
  const direct1000 = rowOf(TARGET_VARIANT, 'direct', H2_TARGET_N)!;
  const h2 = rowOf(TARGET_VARIANT, 'nginx', H2_TARGET_N);
  const h2Met = h2 && h2.brokenMs < H2_TARGET_MS && h2.broken.every((run) => run.refreshes === 1 && run.served === H2_TARGET_N);
  return {
    title: '2. Refresh storm (production build of the auth layer in Chromium → real token server on 127.0.0.1)',
    headers: [
      'Latency',
      'Via',
      'N',
      'Valid token ms',
      'Broken token ms',
      'Ratio',
      'Refresh calls',
      'Served',
      '401s',
      'Refresh call ms',
      'Queue floor ms',
    ],
    rows: data.map((row) => [
      row.variant,
      VIA_LABELS[row.via],
      String(row.n),
      row.validMs.toFixed(0),
      row.brokenMs.toFixed(0),
      `${row.ratio.toFixed(2)}×`,
      distinct(row.broken.map((run) => run.refreshes)),
      `${distinct(row.broken.map((run) => run.served))}/${row.n}`,
      distinct(row.broken.map((run) => run.unauthorized)),
      `${median(row.broken.map((run) => run.refreshMs ?? NaN)).toFixed(0)}${row.broken.some((run) => run.refreshAborted) ? ' (aborted)' : ''}`,
      row.floorMs.toFixed(0),
    ]),
    notes: [
      `Target at N = ${TARGET_N}, delay=50: ≤ ${TARGET}×; measured ${target.ratio.toFixed(2)}× with distinct URLs → ${target.ratio <= TARGET ? 'met' : 'missed'} ` +
        `(${oneUrl.ratio.toFixed(2)}× when all share one URL).`,
      `Cookie mode, same target (one refresh, ${TARGET_N}/${TARGET_N} served, ≤ ${TARGET}×): ${cookie.ratio.toFixed(2)}×, ` +
        `${distinct(cookie.broken.map((run) => run.refreshes))} refresh calls, ${distinct(cookie.broken.map((run) => run.served))}/${TARGET_N} served → ${cookieMet ? 'met' : 'missed'}.`,
      `withDPoP(), same target, on the same server with DPOP=optional (no nonces; the other rows send bearer tokens): ${dpop.ratio.toFixed(2)}×, ` +
        `${distinct(dpop.broken.map((run) => run.refreshes))} refresh calls, ${distinct(dpop.broken.map((run) => run.served))}/${TARGET_N} served → ${dpopMet ? 'met' : 'missed'} ` +
        `(valid burst ${dpop.validMs.toFixed(0)} ms against ${target.validMs.toFixed(0)} ms with a bearer token).`,
      h2
        ? `Target at N = ${H2_TARGET_N} behind HTTP/2, ${TARGET_VARIANT}: 1 refresh call, ${H2_TARGET_N}/${H2_TARGET_N} served, broken token < ${H2_TARGET_MS} ms; ` +
          `measured ${distinct(h2.broken.map((run) => run.refreshes))} refresh calls, ${distinct(h2.broken.map((run) => run.served))}/${H2_TARGET_N} served, ` +
          `${h2.brokenMs.toFixed(0)} ms → ${h2Met ? 'met' : 'missed'} (direct over HTTP/1.1: ${direct1000.brokenMs.toFixed(0)} ms).`
        : `The HTTP/2 rows were skipped: ${NGINX_MISSING}.`,
      'Wall time runs from the first send until the last request settled, measured in the page. N ≤ 100 and every HTTP/2 row: median of 3 valid/broken pairs; N = 1000 direct: one pair. Refresh calls, served and 401s are per broken burst (all rounds agree unless a range is shown); valid bursts made ' +
        `${distinct(data.flatMap((row) => row.valid.map((run) => run.refreshes)))} refresh calls.`,
      `Chromium opens at most ${CONNECTIONS_PER_HOST} HTTP/1.1 connections per host, so N requests run in waves of ${CONNECTIONS_PER_HOST}: ` +
        `"Queue floor" is the least time the valid burst can take (delays queued FIFO on ${CONNECTIONS_PER_HOST} sockets). A broken burst pays that floor twice ` +
        '(N 401s, then N retries) plus the refresh, which queues behind the 401s still waiting for a socket, so its ratio tends to 2× as N grows: the cost is the queue, not the interceptor.',
      `HTTP/2 lifts the limit: through nginx (deploy/nginx/token-server.conf, TLS with a self-signed certificate, on this machine) the page sends everything over one connection, ` +
        `${STREAMS_PER_CONNECTION} requests at a time (Chromium's limit), and the floor is the delays queued on ${STREAMS_PER_CONNECTION} streams. ` +
        'What remains is CPU: Chromium, nginx and the token server share the cores.',
      '"Refresh call ms" runs from the refresh POST leaving the page until its response (median of the broken bursts): over HTTP/1.1 it starts on the first 401 but queues behind every GET already waiting for one of the six sockets.',
      ...unserved.map(
        (row) =>
          `${row.variant}, ${VIA_LABELS[row.via]}, N = ${row.n}: only ${distinct(row.broken.map((run) => run.served))} of ${row.n} served. ` +
          (row.broken.some((run) => run.refreshAborted)
            ? "The refresh call was still queued behind the GETs when the auth layer's refresh timeout (AuthConfig.refreshTimeoutMs, 10 s by default) " +
              'gave up on it, and the requests waiting on that refresh failed with it.'
            : 'results.json has the counts of every burst.'),
      ),
      '"one URL": Chromium\'s HTTP cache lets only one request per URL wait for headers at a time, so N identical GETs to a slow endpoint run one after another (about N × 50 ms) whatever the token; distinct URLs (`&i=`, which the server ignores) run six at a time.',
    ],
    data,
  };
}

// Opens the harness on `url`, signed in in every mode, and counts what each burst puts on the wire.
async function openStormPage(browser: Browser, url: string): Promise<StormPage> {
  const page = await openHarness(browser, url);
  const wire: Wire = { refreshes: 0, unauthorized: 0, refreshMs: null, refreshAborted: false };
  let firstRefresh: { request: Request; sentAt: number } | null = null;
  const isRefresh = (request: Request) => request.method() === 'POST' && request.url().endsWith('/authorization/refresh');
  page.on('request', (request) => {
    if (isRefresh(request) && wire.refreshes++ === 0) {
      firstRefresh = { request, sentAt: Date.now() };
    }
  });
  const settleRefresh = (request: Request, aborted: boolean) => {
    if (request === firstRefresh?.request) {
      Object.assign(wire, { refreshMs: Date.now() - firstRefresh.sentAt, refreshAborted: aborted });
    }
  };
  page.on('requestfinished', (request) => settleRefresh(request, false));
  page.on('requestfailed', (request) => settleRefresh(request, true));
  page.on('response', (response) => response.status() === 401 && wire.unauthorized++);
  await page.evaluate(() => window.bench.signIn());
  await page.evaluate(() => window.bench.signIn('cookie'));
  await page.evaluate(() => window.bench.signIn('dpop'));
  return { page, wire };
}

async function burst({ page, wire }: StormPage, urls: string[], broken: boolean, mode: BenchMode): Promise<StormRun & Wire> {
  Object.assign(wire, { refreshes: 0, unauthorized: 0, refreshMs: null, refreshAborted: false });
  const run = await page.evaluate(([urls, broken, mode]) => window.bench.fireStorm(urls, broken, mode), [urls, broken, mode] as const);
  return { ...run, ...wire };
}

// The least time `delays` take when served first-come first-served on `connections`, ignoring round trips.
function queueFloor(delays: number[], connections: number): number {
  const free = Array.from({ length: connections }, () => 0);
  for (const delay of delays) {
    const earliest = free.indexOf(Math.min(...free));
    free[earliest] += delay;
  }
  return Math.max(...free);
}

function delayOf(url: string): number {
  return Number(new URL(url, 'http://localhost').searchParams.get('delay'));
}

function distinct(values: number[]): string {
  const low = Math.min(...values);
  const high = Math.max(...values);
  return low === high ? String(low) : `${low}–${high}`;
}
