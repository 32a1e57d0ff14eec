import { DOCUMENT } from '@angular/common';
import { HttpClient } from '@angular/common/http';
import { EnvironmentProviders, Provider, inject, makeEnvironmentProviders, provideAppInitializer } from '@angular/core';
import { firstValueFrom } from 'rxjs';

import { AUTH_BACKEND, AuthBackend, REFRESH_TOKEN_COOKIE, ROTATION_ID } from './auth-backend';
import { AUTH_CONFIG, AuthConfig, provideAuthConfig } from './auth-config';
import { AuthService } from './auth-service';
import { bundledServerCookieBackend } from './bundled-server-backend';
import { CookieTokenStorage } from './cookie-token-storage';
import { DPOP, browserDPoP } from './dpop';
import { OAuth2Options, oauth2Backend } from './oauth2-backend';
import { inBrowser } from './platform';
import { RefreshScheduler } from './refresh-scheduler';
import { SESSION_END_HANDLER, SessionEndHandler } from './session-end';
import { AUTH_CONFIGURED, SetupCheck } from './setup-check';
import { TOKEN_STORAGE_WRAPPER, TokenStorage } from './token-storage';
import { TokenStore } from './token-store';

// Production builds define it as false, and drop the development checks it guards.
declare const ngDevMode: unknown;

/** The kinds of {@link AuthFeature}. */
export type AuthFeatureKind = 'backend' | 'session-end' | 'dpop';

/** An option of {@link provideAuth}, made by `withOAuth2()`, `withBackend()`, `withRefreshTokenCookie()`, `withSessionEnd()` or `withDPoP()`. */
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
  for (const kind of ['backend', 'session-end', 'dpop'] as const) {
    if (features.filter((feature) => feature.ɵkind === kind).length > 1) {
      throw new Error(`provideAuth: give at most one ${kind} feature`);
    }
  }
  return makeEnvironmentProviders([
    provideAuthConfig(config),
    { provide: AUTH_CONFIGURED, useValue: true },
    features.map((feature) => feature.ɵproviders),
    provideAppInitializer(async () => {
      if (!inBrowser()) {
        return;
      }
      if (typeof ngDevMode === 'undefined' || ngDevMode) {
        inject(SetupCheck).watchForInterceptor();
      }
      const scheduler = inject(RefreshScheduler);
      const auth = inject(AuthService);
      const session = await inject(TokenStore).reload();
      // The redirect back from the authorization server is completed before the first navigation, so the user lands
      // on the page they asked for (or the login page, with the reason) without a flash of anything in between.
      await auth.completeRedirect();
      if (session?.accessToken === '') {
        // A session whose access token no sibling tab had (cookie mode, after a reload): recover it before the first
        // navigation, so a guarded route waits for it instead of bouncing to the login page. Only a refused refresh
        // ends the session; a transient failure leaves the next request to try again.
        await firstValueFrom(auth.refreshAccessToken('recovery')).catch(() => undefined);
      }
      scheduler.start();
    }),
  ]);
}

/**
 * An OAuth 2.0 authorization server: with `issuer`, sign-in by redirect (Authorization Code with PKCE, OpenID Connect
 * when `openid` is in scope), refresh (RFC 6749 §6), revocation (RFC 7009) and RP-initiated logout, at the endpoints
 * its metadata names; with `tokenUrl` alone, refresh only.
 */
export function withOAuth2(options: OAuth2Options): AuthFeature<'backend'> {
  return withBackend(() => oauth2Backend(inject(HttpClient), options, inject(DOCUMENT).baseURI, inject(DPOP)));
}

/** Talks to any other token server: `factory` runs in an injection context (so it may `inject(HttpClient)`) and returns the backend. */
export function withBackend(factory: () => AuthBackend): AuthFeature<'backend'> {
  return { ɵkind: 'backend', ɵproviders: [{ provide: AUTH_BACKEND, useFactory: factory }] };
}

/**
 * Cookie mode, for the bundled server: the refresh token is an HttpOnly cookie that script never sees, and the access
 * token lives in memory, handed between tabs over a BroadcastChannel. Storage keeps only that a session exists,
 * whose it is and when its token expires. Refreshes still run under the cross-tab Web Lock, since every tab presents
 * the same cookie. Use `provideHttpClient(withFetch())` too, so a refresh that a reload interrupts still lands.
 */
export function withRefreshTokenCookie(): AuthFeature<'backend'> {
  return {
    ɵkind: 'backend',
    ɵproviders: [
      { provide: REFRESH_TOKEN_COOKIE, useValue: true },
      {
        provide: TOKEN_STORAGE_WRAPPER,
        useValue: (storage: TokenStorage, channel: BroadcastChannel | null) => new CookieTokenStorage(storage, channel),
      },
      {
        provide: AUTH_BACKEND,
        useFactory: () => bundledServerCookieBackend(inject(HttpClient), inject(AUTH_CONFIG), inject(ROTATION_ID), inject(DPOP)),
      },
    ],
  };
}

/**
 * Sender-constrained tokens (DPoP, RFC 9449), with the bundled server (`DPOP=optional|required`) or `withOAuth2`: one
 * ES256 key pair per browser profile and origin, whose private key cannot be exported, kept in IndexedDB and made
 * anew for each new session; a fresh proof on every token request and on every request the interceptor authorises
 * (`Authorization: DPoP …`); and the servers' nonces, shared between tabs, with one resend when a server asks for a
 * new one. Bundles jose (lazily: its chunk loads with the first proof).
 */
export function withDPoP(): AuthFeature<'dpop'> {
  return {
    ɵkind: 'dpop',
    ɵproviders: [
      {
        provide: DPOP,
        useFactory: () => {
          const store = inject(TokenStore);
          return browserDPoP(() => store.tokens()?.sessionId ?? null);
        },
      },
    ],
  };
}

/** Replaces what happens when the session ends (by default, navigating to the login path); `handler` runs in an injection context. */
export function withSessionEnd(handler: SessionEndHandler): AuthFeature<'session-end'> {
  return { ɵkind: 'session-end', ɵproviders: [{ provide: SESSION_END_HANDLER, useValue: handler }] };
}
