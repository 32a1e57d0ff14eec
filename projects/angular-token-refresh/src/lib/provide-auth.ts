import { HttpClient } from '@angular/common/http';
import { EnvironmentProviders, Provider, inject, makeEnvironmentProviders, provideAppInitializer } from '@angular/core';

import { AUTH_BACKEND, AuthBackend } from './auth-backend';
import { AuthConfig, provideAuthConfig } from './auth-config';
import { OAuth2Options, oauth2Backend } from './oauth2-backend';
import { inBrowser } from './platform';
import { RefreshScheduler } from './refresh-scheduler';
import { SESSION_END_HANDLER, SessionEndHandler } from './session-end';
import { TokenStore } from './token-store';

/** The kinds of {@link AuthFeature}. */
export type AuthFeatureKind = 'backend' | 'session-end';

/** An option of {@link provideAuth}, made by `withOAuth2()`, `withBackend()` or `withSessionEnd()`. */
export interface AuthFeature<Kind extends AuthFeatureKind = AuthFeatureKind> {
  readonly ɵkind: Kind;
  readonly ɵproviders: Provider[];
}

/**
 * Configures the auth layer: `config` overrides fields of the defaults, `features` choose the backend and what a
 * session end does. In the browser, bootstrap waits for the stored session (so the first navigation's guard knows it),
 * then starts proactive refresh and tab sync; on the server it does nothing. Add the interceptor to `provideHttpClient`.
 */
export function provideAuth(config: Partial<AuthConfig> = {}, ...features: AuthFeature[]): EnvironmentProviders {
  for (const kind of ['backend', 'session-end'] as const) {
    if (features.filter((feature) => feature.ɵkind === kind).length > 1) {
      throw new Error(`provideAuth: give at most one ${kind} feature`);
    }
  }
  return makeEnvironmentProviders([
    provideAuthConfig(config),
    features.map((feature) => feature.ɵproviders),
    provideAppInitializer(async () => {
      if (!inBrowser()) {
        return;
      }
      const scheduler = inject(RefreshScheduler);
      await inject(TokenStore).reload();
      scheduler.start();
    }),
  ]);
}

/** Refreshes at an OAuth 2.0 token endpoint (RFC 6749 §6), and revokes on sign-out when a `revocationUrl` is given (RFC 7009). */
export function withOAuth2(options: OAuth2Options): AuthFeature<'backend'> {
  return withBackend(() => oauth2Backend(inject(HttpClient), options));
}

/** Talks to any other token server: `factory` runs in an injection context (so it may `inject(HttpClient)`) and returns the backend. */
export function withBackend(factory: () => AuthBackend): AuthFeature<'backend'> {
  return { ɵkind: 'backend', ɵproviders: [{ provide: AUTH_BACKEND, useFactory: factory }] };
}

/** Replaces what happens when the session ends (by default, navigating to the login path); `handler` runs in an injection context. */
export function withSessionEnd(handler: SessionEndHandler): AuthFeature<'session-end'> {
  return { ɵkind: 'session-end', ɵproviders: [{ provide: SESSION_END_HANDLER, useValue: handler }] };
}
