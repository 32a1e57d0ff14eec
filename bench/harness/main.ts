import { HttpBackend, HttpClient } from '@angular/common/http';
import { EnvironmentInjector } from '@angular/core';
import { lastValueFrom } from 'rxjs';
import { AuthService, TokenStore } from 'angular-token-refresh';

import type { BenchMode } from './bench-harness';
import { createAuthApp } from './create-auth-app';
import { fireStorm } from './fire-storm';
import { measureOverhead } from './measure-overhead';
import { MemoryBackend } from './memory-backend';
import { MemoryTokenServer } from './memory-token-server';

const stormApps = new Map<BenchMode, Promise<EnvironmentInjector>>();
const stormApp = (mode: BenchMode) => stormApps.get(mode) ?? stormApps.set(mode, createAuthApp([], mode)).get(mode)!;
let cycles: Promise<{ http: HttpClient; server: MemoryTokenServer }> | undefined;

window.bench = {
  measureOverhead,

  async signIn(mode = 'stored') {
    const app = await stormApp(mode);
    await lastValueFrom(app.get(AuthService).signIn('demo', 'demo-password'));
  },

  async fireStorm(urls, broken, mode = 'stored') {
    const app = await stormApp(mode);
    if (broken) {
      // What the demo's "Break access token" button does.
      const store = app.get(TokenStore);
      const pair = store.tokens();
      if (pair) {
        await store.replace(pair, { ...pair, accessToken: 'broken-access-token' });
      }
    }
    return fireStorm(app.get(HttpClient), urls);
  },

  async runRefreshCycles(count) {
    const { http, server } = await (cycles ??= startCycles());
    for (let i = 0; i < count; i++) {
      server.expireAccessToken();
      await lastValueFrom(http.get('/api/resources'));
    }
    return server.refreshes;
  },
};

async function startCycles(): Promise<{ http: HttpClient; server: MemoryTokenServer }> {
  const server = new MemoryTokenServer();
  const app = await createAuthApp([{ provide: HttpBackend, useValue: new MemoryBackend((req) => server.answer(req), true) }]);
  await app.get(TokenStore).set(server.signIn());
  return { http: app.get(HttpClient), server };
}
