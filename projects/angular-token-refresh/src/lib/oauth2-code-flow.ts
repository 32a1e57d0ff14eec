/*
 * OAuth 2.0 Authorization Code with PKCE, discovery and OpenID Connect, by oauth4webapi. Loaded on first use only
 * (the redirect back, a sign-in, a refresh that needs a discovered endpoint), so an app without the code flow never
 * downloads it.
 */
import { HttpClient, HttpErrorResponse, HttpHeaders, HttpResponse } from '@angular/common/http';
import * as oauth from 'oauth4webapi';
import { firstValueFrom } from 'rxjs';

import type { TokenSet } from './auth-backend';
import { bypassAuth } from './bypass-auth';
import type { OAuth2Options } from './oauth2-backend';
import { SignInError } from './sign-in-error';

/** What must survive the round trip to the authorization server, in this tab's session storage, keyed by `state`. */
interface PendingSignIn {
  readonly verifier: string;
  readonly nonce?: string;
  readonly returnUrl: string;
}

const PENDING_PREFIX = 'angular-token-refresh.sign-in.';

/** The authorization server's metadata (RFC 8414, or OpenID Connect Discovery when `openid` is in scope). */
export type ServerMetadata = oauth.AuthorizationServer;

/** Reads the issuer's metadata, and checks that it names that issuer. */
export async function discover(http: HttpClient, issuer: string, scope: string | undefined): Promise<ServerMetadata> {
  const url = new URL(issuer);
  const algorithm = isOpenId(scope) ? 'oidc' : 'oauth2';
  return oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, { ...requestOptions(http, url), algorithm }));
}

/** Starts a sign-in: keeps its secrets in this tab, and returns the authorization URL to send the browser to. */
export async function authorizationUrl(server: ServerMetadata, options: CodeFlowOptions, returnUrl: string): Promise<string> {
  if (!server.authorization_endpoint) {
    throw new SignInError('invalid-response', 'The authorization server has no authorization endpoint');
  }
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = isOpenId(options.scope) ? oauth.generateRandomNonce() : undefined;
  const url = new URL(server.authorization_endpoint);
  const params: Record<string, string> = {
    response_type: 'code',
    client_id: options.clientId,
    redirect_uri: options.redirectUri,
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...(options.scope ? { scope: options.scope } : {}),
    ...(nonce ? { nonce } : {}),
  };
  Object.entries(params).forEach(([name, value]) => url.searchParams.set(name, value));
  const pending: PendingSignIn = { verifier, nonce, returnUrl };
  sessionStorage.setItem(PENDING_PREFIX + state, JSON.stringify(pending));
  return url.href;
}

/**
 * Completes the redirect back at `callback`: checks `state` against a sign-in this tab started (and forgets it, so the
 * same URL cannot be used twice), exchanges the code once, and checks the ID token's claims. Throws a
 * {@link SignInError}, having stored nothing, when any of that fails.
 */
export async function completeSignIn(
  http: HttpClient,
  server: ServerMetadata,
  options: CodeFlowOptions,
  callback: URL,
  dpopKey: CryptoKeyPair | null = null,
): Promise<{ tokens: TokenSet; returnUrl: string }> {
  const state = callback.searchParams.get('state') ?? '';
  const key = PENDING_PREFIX + state;
  const saved = state ? sessionStorage.getItem(key) : null;
  sessionStorage.removeItem(key);
  const pending = parsePending(saved);
  if (!pending) {
    throw new SignInError('unknown-state', 'This sign-in was not started in this tab, or was completed already: sign in again');
  }
  const client: oauth.Client = { client_id: options.clientId };
  try {
    const params = oauth.validateAuthResponse(server, client, callback, state);
    // With DPoP the code is exchanged with a proof of the session's key; the handle keeps the nonce the server asks for.
    const DPoP = dpopKey ? oauth.DPoP(client, dpopKey) : undefined;
    const exchange = async () => {
      const response = await oauth.authorizationCodeGrantRequest(
        server,
        client,
        oauth.None(),
        params,
        options.redirectUri,
        pending.verifier,
        {
          ...requestOptions(http, new URL(server.issuer)),
          DPoP,
        },
      );
      return oauth.processAuthorizationCodeResponse(server, client, response, {
        expectedNonce: pending.nonce ?? oauth.expectNoNonce,
        requireIdToken: pending.nonce !== undefined,
      });
    };
    // RFC 9449 §8: a server that wants a nonce refuses the first proof; the same code is sent once more with it.
    const result = await exchange().catch((error: unknown) => (DPoP && oauth.isDPoPNonceError(error) ? exchange() : Promise.reject(error)));
    const claims = oauth.getValidatedIdTokenClaims(result);
    return {
      returnUrl: pending.returnUrl,
      tokens: {
        accessToken: result.access_token,
        refreshToken: result.refresh_token,
        expiresIn: result.expires_in,
        idToken: result.id_token,
        userId: claims?.sub,
        userName: claims ? String(claims['name'] ?? claims['preferred_username'] ?? claims.sub) : undefined,
      },
    };
  } catch (error) {
    throw asSignInError(error);
  }
}

/** The RP-initiated logout URL (OpenID Connect RP-Initiated Logout 1.0), or `null` where the server offers none. */
export function endSessionUrl(server: ServerMetadata, options: CodeFlowOptions, idToken: string | undefined): string | null {
  if (!server.end_session_endpoint) {
    return null;
  }
  const url = new URL(server.end_session_endpoint);
  url.searchParams.set('client_id', options.clientId);
  if (idToken) {
    url.searchParams.set('id_token_hint', idToken);
  }
  if (options.postLogoutRedirectUri) {
    url.searchParams.set('post_logout_redirect_uri', options.postLogoutRedirectUri);
  }
  return url.href;
}

/** The options the code flow needs, with the redirect URI resolved against the app's address. */
export type CodeFlowOptions = OAuth2Options & { readonly redirectUri: string };

function isOpenId(scope: string | undefined): boolean {
  return (scope ?? '').split(' ').includes('openid');
}

function parsePending(saved: string | null): PendingSignIn | null {
  try {
    const value = saved ? (JSON.parse(saved) as Partial<PendingSignIn>) : null;
    return value && typeof value.verifier === 'string' && typeof value.returnUrl === 'string' ? (value as PendingSignIn) : null;
  } catch {
    return null;
  }
}

function asSignInError(error: unknown): SignInError {
  if (error instanceof SignInError) {
    return error;
  }
  if (error instanceof oauth.AuthorizationResponseError) {
    const described = error.error_description ? `: ${error.error_description}` : '';
    return new SignInError(
      'provider-error',
      `The sign-in was refused (${error.error}${described})`,
      error.error_description ?? error.error,
    );
  }
  if (error instanceof oauth.ResponseBodyError && error.status >= 500) {
    return new SignInError('unreachable', 'The authorization server failed; try again', error.error);
  }
  if (error instanceof oauth.ResponseBodyError || error instanceof oauth.OperationProcessingError) {
    return new SignInError('invalid-response', "The authorization server's answer was refused; sign in again", error.message);
  }
  return new SignInError('unreachable', 'The authorization server could not be reached; try again', String(error));
}

/**
 * oauth4webapi's requests go through HttpClient, marked to bypass the auth interceptor, so they are seen by the app's
 * own interceptors and by HttpTestingController. Plain http is allowed for a loopback issuer only (development).
 */
function requestOptions(http: HttpClient, issuer: URL) {
  const loopback = issuer.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(issuer.hostname);
  return { [oauth.customFetch]: httpClientFetch(http), [oauth.allowInsecureRequests]: loopback };
}

function httpClientFetch(http: HttpClient) {
  return async (url: string, init: { method: string; headers: Record<string, string>; body?: unknown }): Promise<Response> => {
    let answer: HttpResponse<string> | HttpErrorResponse;
    try {
      answer = await firstValueFrom(
        http.request(init.method, url, {
          body: init.body ?? null,
          headers: new HttpHeaders(init.headers),
          observe: 'response',
          responseType: 'text',
          context: bypassAuth(),
        }),
      );
    } catch (error) {
      if (!(error instanceof HttpErrorResponse) || error.status === 0) {
        throw new TypeError('Network error', { cause: error });
      }
      answer = error;
    }
    const headers = new Headers();
    answer.headers.keys().forEach((name) => answer.headers.getAll(name)?.forEach((value) => headers.append(name, value)));
    const body =
      answer instanceof HttpResponse ? answer.body : typeof answer.error === 'string' ? answer.error : JSON.stringify(answer.error);
    return new Response(answer.status === 204 ? null : body, { status: answer.status, statusText: answer.statusText, headers });
  };
}
