import { HttpBackend, HttpClient, HttpInterceptorFn, HttpResponse, provideHttpClient, withInterceptors } from '@angular/common/http';
import { provideZonelessChangeDetection } from '@angular/core';
import { createApplication } from '@angular/platform-browser';
import { TokenStore } from 'angular-token-refresh';

import { OverheadRuns } from './bench-harness';
import { createAuthApp } from './create-auth-app';
import { MemoryBackend } from './memory-backend';

const URL = '/api/resources';
const OK = new HttpResponse({ status: 200, url: URL, body: 'ok' });

// The floor for any bearer interceptor: one clone with one header, no origin check, no 401 handling.
const headerOnly: HttpInterceptorFn = (req, next) => next(req.clone({ setHeaders: { Authorization: 'Bearer access-token' } }));

/**
 * Times `rounds` runs of `perRun` GETs per variant: HttpClient with authInterceptor (signed in, so every request
 * gets its bearer header), with a header-only interceptor (the floor), and without. The order rotates each round
 * after one warm-up round.
 * With `inFlight` 1 the backend answers synchronously, so each request completes before the next is sent;
 * otherwise it answers on a microtask and requests go out in batches of `inFlight`.
 */
export async function measureOverhead(options: { rounds: number; perRun: number; inFlight: number }): Promise<OverheadRuns> {
  const { rounds, perRun, inFlight } = options;
  const backend = { provide: HttpBackend, useValue: new MemoryBackend(() => OK, inFlight > 1) };
  const authApp = await createAuthApp([backend]);
  await authApp
    .get(TokenStore)
    .set({ sessionId: 'bench', userId: 'bench', userName: 'bench', accessToken: 'access-token', refreshToken: 'refresh-token' });
  const bareApp = await createApplication({ providers: [provideZonelessChangeDetection(), provideHttpClient(), backend] });
  const floorApp = await createApplication({
    providers: [provideZonelessChangeDetection(), provideHttpClient(withInterceptors([headerOnly])), backend],
  });
  const clients = {
    withAuth: authApp.get(HttpClient),
    headerOnly: floorApp.injector.get(HttpClient),
    without: bareApp.injector.get(HttpClient),
  };
  const runs = { withAuth: [] as number[], headerOnly: [] as number[], without: [] as number[] };
  const variants = ['withAuth', 'headerOnly', 'without'] as const;

  for (let round = -1; round < rounds; round++) {
    const shift = ((round % 3) + 3) % 3;
    const order = [...variants.slice(shift), ...variants.slice(0, shift)];
    for (const variant of order) {
      const usPerRequest = await timeRun(clients[variant], perRun, inFlight > 1 ? inFlight : perRun);
      if (round >= 0) {
        runs[variant].push(usPerRequest);
      }
    }
  }
  return runs;
}

async function timeRun(http: HttpClient, perRun: number, batch: number): Promise<number> {
  // Start every run with a clean heap (Chromium runs with --expose-gc), so no run pays for another's garbage.
  (globalThis as { gc?: () => void }).gc?.();
  const start = performance.now();
  for (let sent = 0; sent < perRun; sent += batch) {
    await sendBatch(http, batch);
  }
  return ((performance.now() - start) * 1000) / perRun;
}

function sendBatch(http: HttpClient, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let pending = count;
    for (let i = 0; i < count; i++) {
      http.get(URL).subscribe({ complete: () => --pending === 0 && resolve(), error: reject });
    }
  });
}
