import { HttpClient, HttpErrorResponse, HttpHeaders } from '@angular/common/http';
import { Observable, map } from 'rxjs';

import type { AuthBackend, TokenSet } from './auth-backend';
import { bypassAuth } from './bypass-auth';
import { malformedAnswer } from './token-pair';

/** Where and as whom an OAuth 2.0 public client refreshes its tokens. */
export interface OAuth2Options {
  /** The authorization server's token endpoint. */
  readonly tokenUrl: string;
  /** This app's client id (a public client: no secret). */
  readonly clientId: string;
  /** The revocation endpoint (RFC 7009); when given, sign-out revokes the refresh token. */
  readonly revocationUrl?: string;
  /** Scope to ask for on refresh; by default the grant's own. */
  readonly scope?: string;
}

const FORM = new HttpHeaders({ 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' });

/**
 * An OAuth 2.0 token endpoint: refresh per RFC 6749 §6, revocation per RFC 7009. It has no password sign-in, which
 * RFC 9700 forbids: open the session with `AuthService.startSession` from tokens a code flow brought.
 */
export function oauth2Backend(http: HttpClient, options: OAuth2Options): AuthBackend {
  const post = (url: string, fields: Record<string, string | undefined>) => {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(fields)) {
      if (value !== undefined) {
        body.set(name, value);
      }
    }
    return http.post<unknown>(url, body.toString(), { headers: FORM, context: bypassAuth() });
  };
  const { revocationUrl, clientId } = options;
  return {
    refresh: (refreshToken): Observable<TokenSet> =>
      post(options.tokenUrl, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId, scope: options.scope }).pipe(
        map((response) => tokenSetFromOAuth2(response, options.tokenUrl)),
      ),
    signOut: revocationUrl
      ? (refreshToken) => post(revocationUrl, { token: refreshToken, token_type_hint: 'refresh_token', client_id: clientId })
      : undefined,
    isRefreshRejected: isInvalidGrant,
  };
}

/** The token set in an RFC 6749 §5.1 answer from `url`: a Bearer `access_token`, and `expires_in` and `refresh_token` when sent. */
export function tokenSetFromOAuth2(response: unknown, url: string): TokenSet {
  const { access_token, token_type, expires_in, refresh_token } = (response ?? {}) as Record<string, unknown>;
  if (typeof access_token !== 'string' || typeof token_type !== 'string' || token_type.toLowerCase() !== 'bearer') {
    return malformedAnswer(url);
  }
  return { accessToken: access_token, expiresIn: expires_in, refreshToken: refresh_token } as TokenSet;
}

/** Whether `error` is the server refusing the grant (RFC 6749 §5.2 `invalid_grant`); other 400s are the client's bug or a fault. */
export function isInvalidGrant(error: unknown): boolean {
  if (!(error instanceof HttpErrorResponse) || (error.status !== 400 && error.status !== 401)) {
    return false;
  }
  let body: unknown = error.error;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return false;
    }
  }
  return typeof body === 'object' && body !== null && (body as Record<string, unknown>)['error'] === 'invalid_grant';
}
