/** How a harness app keeps the refresh token: in IndexedDB with the pair, as an HttpOnly cookie, or with the pair and DPoP. */
export type BenchMode = 'stored' | 'cookie' | 'dpop';

/** What the interceptor-overhead part times: authInterceptor, the two floors it is compared with, and no interceptor. */
export const OVERHEAD_VARIANTS = ['withAuth', 'headerAndResend', 'headerOnly', 'without'] as const;
export type OverheadVariant = (typeof OVERHEAD_VARIANTS)[number];

/** Per-run timings of one interceptor-overhead measurement, in µs per request, by variant. */
export type OverheadRuns = Readonly<Record<OverheadVariant, readonly number[]>>;

/** How one burst of concurrent requests settled. */
export interface StormRun {
  /** From the first send until the last request settled. */
  readonly wallMs: number;
  readonly served: number;
  readonly failed: number;
}

/** What the harness page exposes as `window.bench` to bench/run.ts; each method boots the apps it needs on first use. */
export interface BenchHarness {
  /** Times GETs through HttpClient with authInterceptor (with `dpop`, signing a proof for each), two floors and none, against an in-memory backend, rotating the order each round. */
  measureOverhead(options: { rounds: number; perRun: number; inFlight: number; dpop?: boolean }): Promise<OverheadRuns>;
  /** Signs the demo user in against the real token server, in the storm app of `mode` (default `stored`). */
  signIn(mode?: BenchMode): Promise<void>;
  /** GETs every URL at once through the auth layer of `mode`; with `broken`, the access token is broken first. */
  fireStorm(urls: readonly string[], broken: boolean, mode?: BenchMode): Promise<StormRun>;
  /** Runs refresh cycles (token expires → 401 → refresh → retry) against an in-memory server; returns refreshes so far. */
  runRefreshCycles(count: number): Promise<number>;
}

declare global {
  interface Window {
    /** Set by bench/harness/main.ts once the harness page has loaded. */
    bench: BenchHarness;
  }
}
