import { HttpBackend, HttpClient, HttpResponse, provideHttpClient } from '@angular/common/http';
import { provideZonelessChangeDetection } from '@angular/core';
import { createApplication } from '@angular/platform-browser';

import { TokenStore } from '../../src/app/core/auth/token-store';
import { OverheadRuns } from './bench-harness';
import { createAuthApp } from './create-auth-app';
import { MemoryBackend } from './memory-backend';

const URL = '/api/resources';
const OK = new HttpResponse({ status: 200, url: URL, body: 'ok' });

/**
 * Times `rounds` runs of `perRun` GETs per variant: HttpClient with authInterceptor (signed in, so every request
 * gets its bearer header) and without. The order alternates each round (AB, BA, …) after one warm-up round.
 * With `inFlight` 1 the backend answers synchronously, so each request completes before the next is sent;
 * otherwise it answers on a microtask and requests go out in batches of `inFlight`.
 */
export async function measureOverhead(options: { rounds: number; perRun: number; inFlight: number }): Promise<OverheadRuns> {
  const { rounds, perRun, inFlight } = options;
  const backend = { provide: HttpBackend, useValue: new MemoryBackend(() => OK, inFlight > 1) };
  const authApp = await createAuthApp([backend]);
  authApp.get(TokenStore).set({ userId: 'bench', userName: 'bench', accessToken: 'access-token', refreshToken: 'refresh-token' });
  const bareApp = await createApplication({ providers: [provideZonelessChangeDetection(), provideHttpClient(), backend] });
  const clients = { withAuth: authApp.get(HttpClient), without: bareApp.injector.get(HttpClient) };
  const runs = { withAuth: [] as number[], without: [] as number[] };

  for (let round = -1; round < rounds; round++) {
    const order = round % 2 === 0 ? (['withAuth', 'without'] as const) : (['without', 'withAuth'] as const);
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
