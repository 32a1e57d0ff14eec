import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { EnvironmentInjector, EnvironmentProviders, Provider, provideZonelessChangeDetection } from '@angular/core';
import { createApplication } from '@angular/platform-browser';
import { provideRouter } from '@angular/router';
import { authInterceptor, provideAuth } from 'angular-token-refresh';

/** Boots an app with the auth layer wired as src/app/app.config.ts wires it (minus the demo's pages and timeline), plus `providers`. */
export async function createAuthApp(providers: (Provider | EnvironmentProviders)[] = []): Promise<EnvironmentInjector> {
  const app = await createApplication({
    providers: [
      provideZonelessChangeDetection(),
      // AuthService sends signed-out users to the login route, so it needs a router; no routes are visited here.
      provideRouter([]),
      provideAuth(),
      provideHttpClient(withInterceptors([authInterceptor])),
      ...providers,
    ],
  });
  return app.injector;
}
