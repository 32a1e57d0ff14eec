import { HttpClient, HttpErrorResponse } from '@angular/common/http';
import { InjectionToken, inject } from '@angular/core';
import { Observable } from 'rxjs';

import { AUTH_CONFIG } from './auth-config';
import { bundledServerBackend } from './bundled-server-backend';
import { DPOP } from './dpop';

/** What a sign-in or refresh brings, in the one shape the auth layer stores whatever the server's wire format. */
export interface TokenSet {
  readonly accessToken: string;
  /** The refresh token; absent when the server kept the current one (RFC 6749 §6 allows it). */
  readonly refreshToken?: string;
  /** Seconds until the access token expires, as the server says; absent when it does not say. */
  readonly expiresIn?: number;
  /** Who signed in, where the server says; kept through refreshes. */
  readonly userId?: string;
  /** The name to show for the signed-in user, where the server says. */
  readonly userName?: string;
  /** The OpenID Connect ID token, where the server sent one: kept for RP-initiated logout (`id_token_hint`). */
  readonly idToken?: string;
}

/**
 * How the auth layer talks to one token server. Its calls must skip the auth interceptor: send them with
 * `{ context: bypassAuth() }`. An unusable answer may be returned as is: the auth layer validates every token set.
 */
export interface AuthBackend {
  /** Exchanges a user name and password for tokens; absent where the server has no such grant (OAuth 2.0, RFC 9700). */
  readonly signIn?: (userName: string, password: string) => Observable<TokenSet>;
  /**
   * Presents `refreshToken` once and returns the next token set. `attempt` names this refresh, the same each time
   * this token is presented again (after a lost answer, a reload, by another tab): a server that knows it (the
   * bundled one's `Refresh-Attempt`) answers a repeat with the rotation it already made instead of calling it reuse.
   */
  readonly refresh: (refreshToken: string, attempt: string) => Observable<TokenSet>;
  /** Retires `refreshToken` on the server; absent where the server has no such call. Best effort: errors are ignored. */
  readonly signOut?: (refreshToken: string) => Observable<unknown>;
  /**
   * Whether a failed refresh means the server refused the refresh token for good, which ends the session; anything
   * else (network, 5xx, timeouts) keeps it. Default: {@link isClientRejection}.
   */
  readonly isRefreshRejected?: (error: unknown) => boolean;
  /** Where to send the browser to sign in (Authorization Code with PKCE), to come back to `returnUrl`; absent without such a flow. */
  readonly authorizationUrl?: (returnUrl: string) => Promise<string>;
  /**
   * The sign-in that `url` completes when it is the redirect back from the authorization server, or `null` when it is
   * not; rejects with a `SignInError`, having stored nothing, when the sign-in is refused.
   */
  readonly completeRedirect?: (url: string) => Promise<{ readonly tokens: TokenSet; readonly returnUrl: string } | null>;
  /** Where to send the browser once signed out (RP-initiated logout, with the session's ID token), or `null`. */
  readonly endSessionUrl?: (idToken: string | undefined) => Promise<string | null>;
}

/** The token server the auth layer talks to; by default the bundled server's contract, at the {@link AUTH_CONFIG} URLs. */
export const AUTH_BACKEND = new InjectionToken<AuthBackend>('AUTH_BACKEND', {
  providedIn: 'root',
  factory: () => bundledServerBackend(inject(HttpClient), inject(AUTH_CONFIG), inject(DPOP)),
});

/** Whether the refresh token is an HttpOnly cookie (cookie mode, `withRefreshTokenCookie()`); then no token is ever stored. */
export const REFRESH_TOKEN_COOKIE = new InjectionToken<boolean>('REFRESH_TOKEN_COOKIE', { providedIn: 'root', factory: () => false });

/** Cookie mode's id for a rotation, in place of the refresh token it cannot see: 24 random hex digits by default. */
export const ROTATION_ID = new InjectionToken<(tokens: TokenSet) => string>('ROTATION_ID', {
  providedIn: 'root',
  factory: () => () => Array.from(crypto.getRandomValues(new Uint8Array(12)), (byte) => byte.toString(16).padStart(2, '0')).join(''),
});

/** Whether `error` is a 400 or 401 answer: how the bundled server refuses a refresh token. */
export function isClientRejection(error: unknown): error is HttpErrorResponse {
  return error instanceof HttpErrorResponse && (error.status === 400 || error.status === 401);
}
