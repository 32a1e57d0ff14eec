import { HttpClient } from '@angular/common/http';
import { map } from 'rxjs';

import type { AuthBackend, TokenSet } from './auth-backend';
import type { AuthConfig } from './auth-config';
import { bypassAuth } from './bypass-auth';
import { malformedAnswer } from './token-pair';

/** Body of a successful sign-in or refresh, as the bundled token server sends it (the seed article's field names). */
export interface TokenResponse {
  readonly userId: string;
  readonly userName: string;
  readonly authorizationToken: string;
  readonly refreshToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresIn: number;
}

/** The bundled server's contract: JSON bodies at `signInUrl`, `refreshUrl` and `signOutUrl`; a 400 or 401 refuses a refresh token. */
export function bundledServerBackend(http: HttpClient, config: AuthConfig): AuthBackend {
  const post = (url: string, body: object) => http.post<unknown>(url, body, { context: bypassAuth() });
  const tokens = (url: string, body: object) => post(url, body).pipe(map((response) => tokenSetFromResponse(response, url)));
  return {
    signIn: (userName, password) => tokens(config.signInUrl, { userName, password }),
    refresh: (refreshToken) => tokens(config.refreshUrl, { refreshToken }),
    signOut: (refreshToken) => post(config.signOutUrl, { refreshToken }),
  };
}

/** The token set in a {@link TokenResponse} from `url`; throws a transient error when a field the server promises is missing. */
export function tokenSetFromResponse(response: unknown, url: string): TokenSet {
  const { userId, userName, authorizationToken, refreshToken, tokenType, expiresIn } = (response ?? {}) as Record<string, unknown>;
  const strings = [userId, userName, authorizationToken, refreshToken].every((field) => typeof field === 'string');
  if (tokenType !== 'Bearer' || !strings || typeof expiresIn !== 'number') {
    return malformedAnswer(url);
  }
  return { accessToken: authorizationToken, refreshToken, expiresIn, userId, userName } as TokenSet;
}
