import { provideHttpClient, withFetch, withInterceptors } from '@angular/common/http';
import {
  EnvironmentInjector,
  EnvironmentProviders,
  Provider,
  provideZoneChangeDetection,
  provideZonelessChangeDetection,
} from '@angular/core';
import { createApplication } from '@angular/platform-browser';
import { provideRouter } from '@angular/router';
import { authInterceptor, provideAuth, withDPoP, withRefreshTokenCookie } from 'angular-token-refresh';

import type { BenchMode } from './bench-harness';

/**
 * Boots an app with the auth layer wired as src/app/app.config.ts wires it (minus the demo's pages and timeline), in
 * `mode`, plus `providers`. Each mode keeps its session in a database of its own, so two apps can share the page.
 */
export async function createAuthApp(
  providers: (Provider | EnvironmentProviders)[] = [],
  mode: BenchMode = 'stored',
): Promise<EnvironmentInjector> {
  const cookie = mode === 'cookie';
  const app = await createApplication({
    providers: [
      provideChangeDetection(),
      // AuthService sends signed-out users to the login route, so it needs a router; no routes are visited here.
      provideRouter([]),
      cookie
        ? provideAuth({ storageKey: 'bench.cookie-mode' }, withRefreshTokenCookie())
        : mode === 'dpop'
          ? provideAuth({ storageKey: 'bench.dpop' }, withDPoP())
          : provideAuth(),
      cookie ? provideHttpClient(withFetch(), withInterceptors([authInterceptor])) : provideHttpClient(withInterceptors([authInterceptor])),
      ...providers,
    ],
  });
  return app.injector;
}

/** Change detection as the page was built: on zone.js when the harness was built with it as a polyfill, zoneless otherwise. */
export function provideChangeDetection(): EnvironmentProviders {
  return typeof (globalThis as { Zone?: unknown }).Zone === 'undefined' ? provideZonelessChangeDetection() : provideZoneChangeDetection();
}
