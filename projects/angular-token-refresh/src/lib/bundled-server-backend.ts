import { HttpClient } from '@angular/common/http';
import { map } from 'rxjs';

import type { AuthBackend, TokenSet } from './auth-backend';
import type { AuthConfig } from './auth-config';
import { bypassAuth } from './bypass-auth';
import { DPoPProofs, tokenRequest } from './dpop';
import { malformedAnswer } from './token-pair';

/** Body of a successful sign-in or refresh, as the bundled token server sends it (the seed article's field names). */
export interface TokenResponse {
  readonly userId: string;
  readonly userName: string;
  readonly authorizationToken: string;
  readonly refreshToken: string;
  /** `DPoP` when the server bound the tokens to the key of `withDPoP()`. */
  readonly tokenType: 'Bearer' | 'DPoP';
  readonly expiresIn: number;
}

/**
 * The bundled server's contract: JSON bodies at `signInUrl`, `refreshUrl` and `signOutUrl`; a 400 or 401 refuses a
 * refresh token. A refresh carries its attempt's id as `Refresh-Attempt`, so one whose answer was lost (a reload, a
 * dropped connection) can be asked for again.
 */
export function bundledServerBackend(http: HttpClient, config: AuthConfig, dpop: DPoPProofs | null = null): AuthBackend {
  const post = (url: string, body: object, headers?: Record<string, string>) =>
    tokenRequest(dpop, 'POST', url, (proof) =>
      http.post<unknown>(url, body, { headers: { ...headers, ...proof }, context: bypassAuth(), observe: 'response' }),
    );
  const tokens = (url: string, body: object, headers?: Record<string, string>) =>
    post(url, body, headers).pipe(map((response) => tokenSetFromResponse(response, url, dpop !== null)));
  return {
    signIn: (userName, password) => tokens(config.signInUrl, { userName, password }),
    refresh: (refreshToken, attempt) => tokens(config.refreshUrl, { refreshToken }, { [ATTEMPT_HEADER]: attempt }),
    signOut: (refreshToken) => post(config.signOutUrl, { refreshToken }),
  };
}

/** The header that names a refresh attempt to the bundled server. */
const ATTEMPT_HEADER = 'Refresh-Attempt';

/** The header that asks the bundled server for cookie mode, and proves to it that the call comes from our own pages. */
const REFRESH_TOKEN_TRANSPORT = { 'Refresh-Token-Transport': 'cookie' };

/**
 * The bundled server in cookie mode: the refresh token travels only as an HttpOnly cookie, which this code never
 * sees. Each answer's rotation gets a made-up id (`rotationId`) in place of the token, so tabs can still tell one
 * rotation from the next. The refresh is sent with `keepalive`, so that with `withFetch()` a page that goes away
 * mid-refresh still lets the browser store the rotated cookie, and with its `Refresh-Attempt`, so a page that
 * reloaded before the answer arrived can ask for it again.
 */
export function bundledServerCookieBackend(
  http: HttpClient,
  config: AuthConfig,
  rotationId: (tokens: TokenSet) => string,
  dpop: DPoPProofs | null = null,
): AuthBackend {
  const options = { withCredentials: true, context: bypassAuth(), observe: 'response' as const };
  const post = (url: string, body: object, extra: { keepalive?: boolean; headers?: Record<string, string> } = {}) =>
    tokenRequest(dpop, 'POST', url, (proof) =>
      http.post<unknown>(url, body, {
        ...options,
        keepalive: extra.keepalive,
        headers: { ...REFRESH_TOKEN_TRANSPORT, ...extra.headers, ...proof },
      }),
    );
  const tokens = (url: string, body: object, extra: { keepalive?: boolean; headers?: Record<string, string> } = {}) =>
    post(url, body, extra).pipe(
      map((response) => {
        if (typeof response === 'object' && response !== null && 'refreshToken' in response) {
          // A server without cookie mode: its refresh token must not end up in script's reach, or in storage.
          return malformedAnswer(url);
        }
        const set = tokenSetFromResponse({ ...(response as object), refreshToken: '' }, url, dpop !== null);
        return { ...set, refreshToken: rotationId(set) };
      }),
    );
  return {
    signIn: (userName, password) => tokens(config.signInUrl, { userName, password }),
    refresh: (_rotation, attempt) => tokens(config.refreshUrl, {}, { keepalive: true, headers: { [ATTEMPT_HEADER]: attempt } }),
    signOut: () => post(config.signOutUrl, {}),
  };
}

/** The token set in a {@link TokenResponse} from `url`, of type `Bearer`, or `DPoP` with `dpop` (a type the client cannot use is refused); throws a transient error when a field the server promises is missing. */
export function tokenSetFromResponse(response: unknown, url: string, dpop = false): TokenSet {
  const { userId, userName, authorizationToken, refreshToken, tokenType, expiresIn } = (response ?? {}) as Record<string, unknown>;
  const strings = [userId, userName, authorizationToken, refreshToken].every((field) => typeof field === 'string');
  if (tokenType !== (dpop ? 'DPoP' : 'Bearer') || !strings || typeof expiresIn !== 'number') {
    return malformedAnswer(url);
  }
  return { accessToken: authorizationToken, refreshToken, expiresIn, userId, userName } as TokenSet;
}
