import { InjectionToken, Provider } from '@angular/core';

/** Endpoints, trusted origins and timeouts that the auth layer needs. */
export interface AuthConfig {
  /** Sign-in endpoint (`POST { userName, password }`). */
  readonly signInUrl: string;
  /** Refresh endpoint (`POST { refreshToken }`); rotates the refresh token. */
  readonly refreshUrl: string;
  /** Logout endpoint (`POST { refreshToken }`). */
  readonly signOutUrl: string;
  /** Origins besides the app's own that receive the bearer token, e.g. `https://api.example.com`. */
  readonly apiOrigins: readonly string[];
  /** How long a refresh may take before it counts as a transient failure. */
  readonly refreshTimeoutMs: number;
  /** How long a refresh waits for another tab's refresh (the Web Lock) before going ahead alone. */
  readonly lockWaitMs: number;
  /** `Storage` key of the persisted token pair. */
  readonly storageKey: string;
  /** Route that signed-out users are sent to. */
  readonly loginPath: string;
}

/** Defaults that match the bundled token server. */
export const DEFAULT_AUTH_CONFIG: AuthConfig = {
  signInUrl: '/authorization/token',
  refreshUrl: '/authorization/refresh',
  signOutUrl: '/authorization/logout',
  apiOrigins: [],
  refreshTimeoutMs: 10_000,
  lockWaitMs: 15_000,
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
