import { InjectionToken, Provider } from '@angular/core';

/** Endpoints, trusted origins and timeouts that the auth layer needs. */
export interface AuthConfig {
  /** The bundled server's sign-in endpoint (`POST { userName, password }`); unused with another backend. */
  readonly signInUrl: string;
  /** The bundled server's refresh endpoint (`POST { refreshToken }`), which rotates the refresh token. */
  readonly refreshUrl: string;
  /** The bundled server's logout endpoint (`POST { refreshToken }`). */
  readonly signOutUrl: string;
  /** Origins besides the app's own that receive the bearer token, e.g. `https://api.example.com`. */
  readonly apiOrigins: readonly string[];
  /** How long a request waits for a refresh with no progress (no other 401 joining it) before failing transiently; the refresh itself goes on. */
  readonly refreshTimeoutMs: number;
  /** When a refresh with no answer is abandoned. Until then a late answer is still adopted, so no rotation is lost. */
  readonly refreshAbandonMs: number;
  /** How long a refresh waits for another tab's (the Web Lock); longer than `refreshAbandonMs`, so only a frozen tab is passed. */
  readonly lockWaitMs: number;
  /** Name of the IndexedDB database that holds the token pair, and prefix of the tab-sync channel. */
  readonly storageKey: string;
  /** Route that signed-out users are sent to, by the guard and by the default session end. */
  readonly loginPath: string;
}

/** Defaults that match the bundled token server. */
export const DEFAULT_AUTH_CONFIG: AuthConfig = {
  signInUrl: '/authorization/token',
  refreshUrl: '/authorization/refresh',
  signOutUrl: '/authorization/logout',
  apiOrigins: [],
  refreshTimeoutMs: 10_000,
  refreshAbandonMs: 60_000,
  lockWaitMs: 75_000,
  storageKey: 'angular-token-refresh.tokens',
  loginPath: '/login',
};

/** The auth layer's configuration; defaults to {@link DEFAULT_AUTH_CONFIG}. */
export const AUTH_CONFIG = new InjectionToken<AuthConfig>('AUTH_CONFIG', {
  providedIn: 'root',
  factory: () => DEFAULT_AUTH_CONFIG,
});

/** Provides {@link AUTH_CONFIG}, overriding only the given fields. */
export function provideAuthConfig(overrides: Partial<AuthConfig>): Provider {
  return { provide: AUTH_CONFIG, useValue: { ...DEFAULT_AUTH_CONFIG, ...overrides } };
}
