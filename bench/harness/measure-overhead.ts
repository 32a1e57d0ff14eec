import {
  HttpBackend,
  HttpClient,
  HttpErrorResponse,
  HttpInterceptorFn,
  HttpResponse,
  provideHttpClient,
  withInterceptors,
} from '@angular/common/http';
import { EnvironmentInjector, NgZone } from '@angular/core';
import { createApplication } from '@angular/platform-browser';
import { TokenStore } from 'angular-token-refresh';
import { catchError, throwError } from 'rxjs';

import { OVERHEAD_VARIANTS, OverheadRuns, OverheadVariant } from './bench-harness';
import { createAuthApp, provideChangeDetection } from './create-auth-app';
import { MemoryBackend } from './memory-backend';

const URL = '/api/resources';
const OK = new HttpResponse({ status: 200, url: URL, body: 'ok' });
/** Untimed rounds first, so the JIT has optimized every variant's path before any round counts. */
const WARM_UP_ROUNDS = 3;

// The floor for any bearer interceptor: one clone with one header, no origin check, no 401 handling.
const headerOnly: HttpInterceptorFn = (req, next) => next(req.clone({ setHeaders: { Authorization: 'Bearer access-token' } }));
// The floor for one that resends after a 401: the same, plus the catchError that resends once. Like every interceptor
// that can resend, it keeps `req` and `next` until the response arrives.
const headerAndResend: HttpInterceptorFn = (req, next) =>
  headerOnly(req, next).pipe(catchError((error: unknown) => (isUnauthorized(error) ? headerOnly(req, next) : throwError(() => error))));

/**
 * Times `rounds` runs of `perRun` GETs per variant: HttpClient with authInterceptor (signed in, so every request
 * gets its bearer header; with `dpop`, a DPoP header and a freshly signed proof), with the two floors above, and without an interceptor. The order rotates each round after
 * {@link WARM_UP_ROUNDS} warm-up rounds.
 * With `inFlight` 1 the backend answers synchronously, so each request completes before the next is sent;
 * otherwise it answers on a microtask and requests go out in batches of `inFlight`.
 */
export async function measureOverhead(options: {
  rounds: number;
  perRun: number;
  inFlight: number;
  dpop?: boolean;
}): Promise<OverheadRuns> {
  const { rounds, perRun, inFlight, dpop } = options;
  const backend = { provide: HttpBackend, useValue: new MemoryBackend(() => OK, inFlight > 1) };
  const authApp = await createAuthApp([backend], dpop ? 'dpop' : 'stored');
  await authApp
    .get(TokenStore)
    .set({ sessionId: 'bench', userId: 'bench', userName: 'bench', accessToken: 'access-token', refreshToken: 'refresh-token' });
  const client = async (interceptor: HttpInterceptorFn | null) => {
    const http = interceptor ? provideHttpClient(withInterceptors([interceptor])) : provideHttpClient();
    const app = await createApplication({ providers: [provideChangeDetection(), http, backend] });
    return appClient(app.injector);
  };
  const clients: Record<OverheadVariant, AppClient> = {
    withAuth: appClient(authApp),
    headerAndResend: await client(headerAndResend),
    headerOnly: await client(headerOnly),
    without: await client(null),
  };
  const runs: Record<OverheadVariant, number[]> = { withAuth: [], headerAndResend: [], headerOnly: [], without: [] };
  const count = OVERHEAD_VARIANTS.length;

  for (let round = -WARM_UP_ROUNDS; round < rounds; round++) {
    const shift = ((round % count) + count) % count;
    const order = [...OVERHEAD_VARIANTS.slice(shift), ...OVERHEAD_VARIANTS.slice(0, shift)];
    for (const variant of order) {
      const usPerRequest = await timeRun(clients[variant], perRun, inFlight > 1 ? inFlight : perRun);
      if (round >= 0) {
        runs[variant].push(usPerRequest);
      }
    }
  }
  return runs;
}

/** An app's HttpClient and its zone (a no-op one in a zoneless page). */
interface AppClient {
  readonly http: HttpClient;
  readonly zone: NgZone;
}

function appClient(injector: EnvironmentInjector): AppClient {
  return { http: injector.get(HttpClient), zone: injector.get(NgZone) };
}

async function timeRun({ http, zone }: AppClient, perRun: number, batch: number): Promise<number> {
  // Start every run with a clean heap (Chromium runs with --expose-gc), so no run pays for another's garbage.
  (globalThis as { gc?: () => void }).gc?.();
  // Requests go out from inside the app's zone, as a component's do; under zone.js that is what the app pays for.
  return zone.run(async () => {
    const start = performance.now();
    for (let sent = 0; sent < perRun; sent += batch) {
      await sendBatch(http, batch);
    }
    return ((performance.now() - start) * 1000) / perRun;
  });
}

function sendBatch(http: HttpClient, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let pending = count;
    for (let i = 0; i < count; i++) {
      http.get(URL).subscribe({ complete: () => --pending === 0 && resolve(), error: reject });
    }
  });
}

function isUnauthorized(error: unknown): boolean {
  return error instanceof HttpErrorResponse && error.status === 401;
}
