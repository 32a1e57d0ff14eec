import { HttpClient, HttpErrorResponse } from '@angular/common/http';
import { Observable, defer, from, map, of, switchMap } from 'rxjs';

import type { AuthBackend, TokenSet } from './auth-backend';
import { bypassAuth } from './bypass-auth';
import { DPoPProofs, tokenRequest } from './dpop';
import { oauthErrorCode } from './oauth-error';
import type { CodeFlowOptions, ServerMetadata } from './oauth2-code-flow';
import { SignInError } from './sign-in-error';
import { malformedAnswer } from './token-pair';

/**
 * Where and as whom an OAuth 2.0 public client signs in and refreshes. Give `issuer` to discover the endpoints (and
 * to sign in by redirect), or `tokenUrl` (and `revocationUrl`) for a server without discovery, which refreshes only.
 */
export interface OAuth2Options {
  /** The authorization server's issuer identifier; its metadata (RFC 8414, or OpenID Connect Discovery with `openid` in scope) names the endpoints. */
  readonly issuer?: string;
  /** The token endpoint, for a server without discovery; with `issuer`, it overrides the discovered one. */
  readonly tokenUrl?: string;
  /** This app's client id (a public client: no secret). */
  readonly clientId: string;
  /** The revocation endpoint (RFC 7009), for a server without discovery; sign-out revokes the refresh token there. */
  readonly revocationUrl?: string;
  /** Scope to ask for at sign-in (and on refresh, where given); `openid` makes it an OpenID Connect sign-in, with an ID token. */
  readonly scope?: string;
  /** Where the authorization server sends the browser back (registered with it); by default `callback` under the app's base URL. */
  readonly redirectUri?: string;
  /** Where the authorization server sends the browser after sign-out (RP-initiated logout, registered with it). */
  readonly postLogoutRedirectUri?: string;
}

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' };

/**
 * An OAuth 2.0 authorization server: refresh per RFC 6749 §6, revocation per RFC 7009, and with an issuer sign-in by
 * redirect and RP-initiated logout. It has no password sign-in, which RFC 9700 forbids; without an issuer, open the
 * session with `AuthService.startSession` from tokens your own code flow brought.
 */
export function oauth2Backend(http: HttpClient, options: OAuth2Options, baseUrl: string, dpop: DPoPProofs | null = null): AuthBackend {
  if (!options.issuer && !options.tokenUrl) {
    throw new Error('withOAuth2: give the issuer (to discover the endpoints) or the tokenUrl');
  }
  const post = (url: string, fields: Record<string, string | undefined>) => {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(fields)) {
      if (value !== undefined) {
        body.set(name, value);
      }
    }
    return tokenRequest(dpop, 'POST', url, (proof) =>
      http.post<unknown>(url, body.toString(), { headers: { ...FORM, ...proof }, context: bypassAuth(), observe: 'response' }),
    );
  };
  const { clientId, issuer } = options;
  const codeFlow: CodeFlowOptions = { ...options, redirectUri: options.redirectUri ?? new URL('callback', baseUrl).href };
  const discovery = issuer ? lazyDiscovery(http, issuer, options.scope) : null;
  // A configured endpoint is used at once (synchronously, as a sign-out before the page goes away needs); a
  // discovered one once the issuer's metadata has arrived.
  const endpoint = (name: 'token_endpoint' | 'revocation_endpoint', given: string | undefined): Observable<string | undefined> =>
    given || !discovery ? of(given) : from(discovery.metadata()).pipe(map((metadata) => metadata[name]));
  const refresh = (refreshToken: string): Observable<TokenSet> =>
    endpoint('token_endpoint', options.tokenUrl).pipe(
      switchMap((url) => {
        const tokenUrl = url ?? malformedAnswer(issuer);
        const fields = { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId, scope: options.scope };
        return post(tokenUrl, fields).pipe(map((response) => tokenSetFromOAuth2(response, tokenUrl, dpop !== null)));
      }),
    );
  const revoke = (refreshToken: string) =>
    endpoint('revocation_endpoint', options.revocationUrl).pipe(
      switchMap((url) => (url ? post(url, { token: refreshToken, token_type_hint: 'refresh_token', client_id: clientId }) : of(null))),
    );
  return {
    refresh: (refreshToken) => defer(() => refresh(refreshToken)),
    signOut: options.revocationUrl || discovery ? (refreshToken) => defer(() => revoke(refreshToken)) : undefined,
    isRefreshRejected: isInvalidGrant,
    ...(discovery && {
      authorizationUrl: async (returnUrl: string) =>
        (await discovery.flow()).authorizationUrl(await discovery.metadata(), codeFlow, returnUrl),
      completeRedirect: async (url: string) => {
        const callback = new URL(url);
        const expected = new URL(codeFlow.redirectUri);
        const answered = ['code', 'error', 'state'].some((name) => callback.searchParams.has(name));
        if (callback.origin !== expected.origin || callback.pathname !== expected.pathname || !answered) {
          return null;
        }
        const [flow, metadata] = await Promise.all([discovery.flow(), discovery.metadata().catch(unreachable)]);
        return flow.completeSignIn(http, metadata, codeFlow, callback, dpop && (await dpop.keyPair()));
      },
      endSessionUrl: async (idToken: string | undefined) =>
        (await discovery.flow()).endSessionUrl(await discovery.metadata(), codeFlow, idToken),
    }),
  };
}

/** The code flow's module and the issuer's metadata, each loaded once, on first use. */
function lazyDiscovery(http: HttpClient, issuer: string, scope: string | undefined) {
  let flow: Promise<typeof import('./oauth2-code-flow')> | undefined;
  let metadata: Promise<ServerMetadata> | undefined;
  const loadFlow = () => (flow ??= import('./oauth2-code-flow'));
  return {
    flow: loadFlow,
    metadata: () =>
      (metadata ??= loadFlow()
        .then((module) => module.discover(http, issuer, scope))
        // A failed discovery is tried again next time, not remembered.
        .catch((error: unknown) => {
          metadata = undefined;
          throw error;
        })),
  };
}

function unreachable(error: unknown): never {
  throw new SignInError('unreachable', 'The authorization server could not be reached; try again', String(error));
}

/** The token set in an RFC 6749 §5.1 answer from `url`: a Bearer `access_token` (DPoP-bound with `dpop`, RFC 9449 §5), and `expires_in` and `refresh_token` when sent. */
export function tokenSetFromOAuth2(response: unknown, url: string, dpop = false): TokenSet {
  const { access_token, token_type, expires_in, refresh_token } = (response ?? {}) as Record<string, unknown>;
  if (typeof access_token !== 'string' || typeof token_type !== 'string' || token_type.toLowerCase() !== (dpop ? 'dpop' : 'bearer')) {
    return malformedAnswer(url);
  }
  return { accessToken: access_token, expiresIn: expires_in, refreshToken: refresh_token } as TokenSet;
}

/** Whether `error` is the server refusing the grant (RFC 6749 §5.2 `invalid_grant`); other 400s are the client's bug or a fault. */
export function isInvalidGrant(error: unknown): boolean {
  return error instanceof HttpErrorResponse && (error.status === 400 || error.status === 401) && oauthErrorCode(error) === 'invalid_grant';
}
