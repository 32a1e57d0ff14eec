import { HttpErrorResponse } from '@angular/common/http';
import { DOCUMENT } from '@angular/common';
import { EnvironmentInjector, Injectable, InjectionToken, computed, inject, runInInjectionContext, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { BehaviorSubject, Observable, defer, first, firstValueFrom, from, map, of, shareReplay, switchMap, tap, throwError } from 'rxjs';

import { AngularZone } from './angular-zone';
import { AUTH_BACKEND, TokenSet } from './auth-backend';
import { AUTH_CONFIG } from './auth-config';
import { AuthEvents, RefreshTrigger, SignOutReason } from './auth-events';
import { DPOP } from './dpop';
import { quietTimeout } from './quiet-timeout';
import { SESSION_END_HANDLER } from './session-end';
import { SignInError } from './sign-in-error';
import { TokenPair, malformedAnswer, pairFromTokenSet } from './token-pair';
import { RefreshRejected, TokenRotation, refreshTimedOut } from './token-rotation';
import { TokenStore } from './token-store';

/** Which send of a request this is: the first, one that waited for a refresh, a replay with a newer token, or the retry after a refresh. */
export type AuthAttempt = 'first' | 'queued' | 'replay' | 'retry';

/** One send of a request: which attempt it is, and the access token it carries (`null`: none). */
export interface AuthSend {
  readonly attempt: AuthAttempt;
  readonly token: string | null;
  /** Whether this is the one resend with the nonce a DPoP server asked for; it is not a token's retry. */
  readonly nonceResend?: boolean;
}

/** The refresh in flight: what it is for, the one shared observable of its access token, and when a 401 last joined it. */
interface Refresh {
  readonly trigger: RefreshTrigger;
  readonly token$: Observable<string>;
  /** Epoch ms of the latest 401 that joined; waiters read it when their timeout is due, nobody is told. */
  joinedAt: number;
}

/** Sends the browser away from the app, to the authorization server; specs replace it. */
export const LEAVE_APP = new InjectionToken<(url: string) => void>('LEAVE_APP', {
  providedIn: 'root',
  factory: () => {
    const location = inject(DOCUMENT).location;
    return (url) => location.assign(url);
  },
});

/** How long sign-out waits for the revocation before it leaves for the authorization server's logout. */
const REVOCATION_WAIT_MS = 5_000;

/** Signs in and out, and decides what every request does about its token: the one refresh that 401s, timers and tabs share. */
@Injectable({ providedIn: 'root' })
export class AuthService {
  private readonly backend = inject(AUTH_BACKEND);
  private readonly onSessionEnd = inject(SESSION_END_HANDLER);
  private readonly injector = inject(EnvironmentInjector);
  private readonly store = inject(TokenStore);
  private readonly config = inject(AUTH_CONFIG);
  private readonly events = inject(AuthEvents);
  private readonly rotation = inject(TokenRotation);
  private readonly zone = inject(AngularZone);
  private readonly document = inject(DOCUMENT);
  private readonly leave = inject(LEAVE_APP);
  private readonly dpop = inject(DPOP);
  private readonly signInFailure = signal<SignInError | null>(null);

  // The refresh state, and the only one: the refresh in flight, or null. It emits when a refresh starts, settles, or
  // becomes one that 401s wait for. It never errors or completes, so waiters can always rely on it.
  private readonly refresh = new BehaviorSubject<Refresh | null>(null);

  /** The signed-in user's name, or `null`. */
  readonly userName = computed(() => this.store.tokens()?.userName ?? null);
  /** Why the last sign-in by redirect was refused, for the login page to show; `null` when it was not. */
  readonly signInError = this.signInFailure.asReadonly();

  constructor() {
    this.store.sessionEnded$.pipe(takeUntilDestroyed()).subscribe(() => this.sessionEnded('other-tab'));
  }

  /** Signs in with a user name and password, where the backend allows it, and opens a session with the tokens. */
  signIn(userName: string, password: string): Observable<TokenPair> {
    if (!this.backend.signIn) {
      return throwError(() => new Error('This backend has no password sign-in: open the session with AuthService.startSession'));
    }
    const signIn = this.backend.signIn;
    // With DPoP a new session gets a new key, before the sign-in proves it.
    return defer(() => this.dpop?.newKey() ?? of(null)).pipe(
      switchMap(() => signIn(userName, password)),
      switchMap((tokens) => from(this.startSession(tokens))),
    );
  }

  /**
   * Opens a new session, for this tab and its siblings, from tokens obtained elsewhere: an OAuth 2.0 code flow, a
   * custom sign-in. Resolves with the stored pair once every tab can read it; rejects, opening nothing, when the tokens
   * cannot be used (with status 200, as for a malformed sign-in answer).
   */
  async startSession(tokens: TokenSet): Promise<TokenPair> {
    const pair = pairFromTokenSet(tokens, newSessionId());
    if (!pair) {
      return malformedAnswer();
    }
    const stored = this.store.set(pair);
    this.events.emit({ type: 'signed-in', userName: pair.userName ?? null });
    await stored;
    return pair;
  }

  /**
   * Signs in by redirect (OAuth 2.0 Authorization Code with PKCE, `withOAuth2({ issuer, … })`): the browser leaves for
   * the authorization server, and comes back to `returnUrl` (a path of this app) signed in, or to the login page with
   * {@link signInError} set.
   */
  async signInWithRedirect(options: { readonly returnUrl?: string } = {}): Promise<void> {
    if (!this.backend.authorizationUrl) {
      throw new Error('This backend has no sign-in by redirect: configure withOAuth2({ issuer, clientId })');
    }
    this.signInFailure.set(null);
    await this.dpop?.newKey();
    this.leave(await this.backend.authorizationUrl(appPath(options.returnUrl)));
  }

  /**
   * Completes the redirect back from the authorization server when this page is one (provideAuth calls it before the
   * first navigation). The address then becomes the return URL, or the login page with {@link signInError} set.
   */
  async completeRedirect(): Promise<void> {
    const callback = this.document.location.href;
    let completed: Awaited<ReturnType<NonNullable<typeof this.backend.completeRedirect>>>;
    try {
      completed = (await this.backend.completeRedirect?.(callback)) ?? null;
      if (completed) {
        await this.startSession(completed.tokens);
      }
    } catch (error) {
      this.signInFailure.set(
        error instanceof SignInError
          ? error
          : new SignInError('invalid-response', 'The sign-in could not be completed; sign in again', String(error)),
      );
      this.replaceAddress(this.config.loginPath);
      return;
    }
    if (completed) {
      this.replaceAddress(appPath(completed.returnUrl));
    }
  }

  /**
   * Ends the session at the user's request: revokes the refresh token (best effort), signs out here and in every tab,
   * then, where the authorization server offers it, leaves for its logout (RP-initiated logout).
   */
  signOut(): void {
    const pair = this.store.tokens();
    if (pair && this.backend.endSessionUrl) {
      void this.signOutAtServer(pair);
      return;
    }
    if (pair) {
      this.rotation.revoke(pair.refreshToken);
    }
    this.endSession('user');
  }

  /** Clears the tokens and sends the user to the login page once, remembering where they were. */
  endSession(reason: SignOutReason): void {
    void this.clearSession(reason);
  }

  /**
   * How a new request goes out: at once with the current token, or after the refresh it needs: the one in flight for
   * a refused token, or the one that recovers the token of a session this tab has without it (cookie mode, reloaded).
   */
  firstSend(): AuthSend | Observable<AuthSend> {
    const refresh = this.refresh.value;
    const token = this.store.accessToken();
    // A proactive refresh is not waited for: the current token still works.
    const ready = refresh ? refresh.trigger === 'proactive' : token !== null || this.store.tokens() === null;
    if (ready) {
      return { attempt: 'first', token };
    }
    this.events.emit({ type: 'request-queued' });
    return this.refreshAccessToken('recovery').pipe(map((fresh) => ({ attempt: 'queued', token: fresh })));
  }

  /** The next send of a request that failed with `error` as `sent`, or `error` itself when there is none. */
  afterRejection(sent: AuthSend, error: unknown): Observable<AuthSend> {
    if (this.dpop?.isNonceChallenge(error) && !sent.nonceResend) {
      // RFC 9449 §9: the API wants a newer DPoP nonce, which the interceptor took from this answer. Not a refused
      // token: the request goes once more as it was, and keeps its own retry after a refresh.
      return of({ ...sent, nonceResend: true });
    }
    if (!isTokenRejection(error)) {
      return throwError(() => error);
    }
    if (sent.attempt === 'retry' || sent.attempt === 'queued') {
      // A fresh token was refused too: refreshing again would loop, so the session ends here.
      this.endSession('retry-rejected');
      return throwError(() => error);
    }
    const current = this.store.tokens();
    const refresh = this.refresh.value;
    if (!current) {
      return throwError(() => error);
    }
    // (An empty token is not newer: this tab has the session but not its token, so only a refresh can help.)
    if (sent.attempt === 'first' && current.accessToken && current.accessToken !== sent.token && !refresh) {
      // A late 401: a refresh finished after this request left, so its token is merely stale. No new refresh.
      this.events.emit({ type: 'late-401-replayed' });
      return of({ attempt: 'replay', token: current.accessToken });
    }
    if (refresh) {
      // A 401 joins: over HTTP/1.1 a refresh queued behind hundreds of requests is making progress as long as their
      // 401s keep arriving, so the waiters' timeout counts from now. A proactive refresh is now one the current token
      // cannot wait out, which new requests must hear (once, not once per 401).
      refresh.joinedAt = Date.now();
      if (refresh.trigger !== 'unauthorized') this.refresh.next({ ...refresh, trigger: 'unauthorized' });
    }
    return this.refreshAccessToken().pipe(map((token) => ({ attempt: 'retry', token })));
  }

  /**
   * Returns the access token from the one refresh in flight, starting it if none is. A caller gives up after
   * `refreshTimeoutMs` without progress; the refresh itself goes on, so a late answer is still adopted.
   */
  refreshAccessToken(trigger: RefreshTrigger = 'unauthorized'): Observable<string> {
    const refresh = this.refresh.value ?? this.startRefresh(trigger);
    return refresh ? this.wait(refresh) : throwError(() => new HttpErrorResponse({ status: 401, statusText: 'Signed out' }));
  }

  private wait(refresh: Refresh): Observable<string> {
    const joinedAt = () => this.refresh.value?.joinedAt ?? 0;
    // Waiters hear the outcome in the Angular zone, whatever zone the refresh settled in, so their resends and the
    // answers to them are seen by change detection.
    const inZone = (notify: () => void) => this.zone.inside(notify);
    return refresh.token$.pipe(quietTimeout(this.config.refreshTimeoutMs, refreshTimedOut, joinedAt, inZone), first());
  }

  private startRefresh(trigger: RefreshTrigger): Refresh | null {
    const presented = this.store.tokens();
    if (!presented) {
      return null;
    }
    this.events.emit({ type: 'refresh-started', trigger });
    // The state resets before any waiter hears the outcome, so a waiter that asks again at once starts afresh. The
    // refresh runs in this root service with refCount false: no waiter that unsubscribes can cancel it.
    const settle = () => this.refresh.next(null);
    const token$ = this.rotation.run(presented).pipe(
      tap({
        next: settle,
        error: (error: unknown) => {
          if (error instanceof RefreshRejected) {
            this.sessionEnded('refresh-rejected');
          }
          settle();
        },
      }),
      shareReplay({ bufferSize: 1, refCount: false }),
    );
    const refresh = { trigger, token$, joinedAt: Date.now() };
    this.refresh.next(refresh);
    return refresh;
  }

  // The page leaves right after, so the revocation is awaited (for a while) instead of fired and forgotten.
  private async signOutAtServer(pair: TokenPair): Promise<void> {
    const revoked = this.backend.signOut?.(pair.refreshToken);
    // (A plain timer: rxjs's timeout would bring its scheduler classes into every app's initial bundle.)
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise((resolve) => (timer = setTimeout(resolve, REVOCATION_WAIT_MS)));
    await Promise.race([revoked ? firstValueFrom(revoked, { defaultValue: null }).catch(() => null) : null, waited]);
    clearTimeout(timer);
    const logout = await this.backend.endSessionUrl?.(pair.idToken).catch(() => null);
    // Leaving unloads the page, which would abort a storage write still in flight: the tokens would stay stored and
    // sibling tabs would never hear of the sign-out.
    await this.clearSession('user');
    if (logout) {
      this.leave(logout);
    }
  }

  private async clearSession(reason: SignOutReason): Promise<void> {
    if (this.store.tokens()) {
      const cleared = this.store.clear();
      this.sessionEnded(reason);
      await cleared;
    }
  }

  private replaceAddress(path: string): void {
    this.document.defaultView?.history.replaceState(null, '', path);
  }

  private sessionEnded(reason: SignOutReason): void {
    this.events.emit({ type: 'signed-out', reason });
    this.zone.inside(() => runInInjectionContext(this.injector, () => this.onSessionEnd(reason)));
  }
}

// A 401 is about the token unless its WWW-Authenticate names another error (RFC 6750 §3.1);
// a 401 for, say, a wrong current password must not refresh, nor end the session.
function isTokenRejection(error: unknown): error is HttpErrorResponse {
  if (!(error instanceof HttpErrorResponse) || error.status !== 401) {
    return false;
  }
  const challenge = error.headers?.get('WWW-Authenticate');
  const code = challenge ? /\berror="([^"]*)"/.exec(challenge)?.[1] : undefined;
  return code === undefined || code === 'invalid_token';
}

/** `url` if it is a path of this app, `/` otherwise: a return URL never leads off the origin. */
function appPath(url: string | undefined): string {
  return url && /^\/(?![/\\])/.test(url) ? url : '/';
}

/** A new session's id: random, and unique among the tabs of this origin. */
function newSessionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
