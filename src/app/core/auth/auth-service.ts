import { HttpClient, HttpContext, HttpErrorResponse } from '@angular/common/http';
import { Injectable, computed, inject } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { Router } from '@angular/router';
import { BehaviorSubject, Observable, Subject, catchError, defer, first, map, merge, of, shareReplay, tap, throwError, timeout } from 'rxjs';

import { AUTH_CONFIG } from './auth-config';
import { AuthEvents, RefreshTrigger, SignOutReason } from './auth-events';
import { BYPASS_AUTH } from './bypass-auth';
import { TabLock } from './tab-lock';
import { TokenPair, TokenStore } from './token-store';

/** Body of a successful sign-in or refresh, as the token server sends it. */
export interface TokenResponse {
  readonly userId: string;
  readonly userName: string;
  readonly authorizationToken: string;
  readonly refreshToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresIn: number;
}

/** What started the refresh in flight (`null` when none is), and the access token stored at that moment. */
export interface RefreshState {
  readonly refreshing: RefreshTrigger | null;
  readonly accessToken: string | null;
}

/** How a request that got a 401 goes on: replayed with a newer stored token, or retried after the shared refresh. */
export interface Recovery {
  readonly replay: boolean;
  readonly token$: Observable<string>;
}

/** The Web Lock that makes a refresh single-flight across the tabs of an origin. */
export const REFRESH_LOCK = 'angular-token-refresh.refresh';

/** Signs in and out, and owns the single in-flight refresh that every 401, every timer and every tab shares. */
@Injectable({ providedIn: 'root' })
export class AuthService {
  private readonly http = inject(HttpClient);
  private readonly router = inject(Router);
  private readonly store = inject(TokenStore);
  private readonly config = inject(AUTH_CONFIG);
  private readonly events = inject(AuthEvents);
  private readonly tabLock = inject(TabLock);

  private readonly state = new BehaviorSubject<RefreshState>({ refreshing: null, accessToken: this.store.accessToken() });
  private refresh$: Observable<string> | null = null;
  private readonly progress = new Subject<void>();

  /** Refresh state; never errors or completes, so waiters can always rely on it. */
  readonly refreshState$ = this.state.asObservable();
  /** The signed-in user's name, or `null`. */
  readonly userName = computed(() => this.store.tokens()?.userName ?? null);

  constructor() {
    this.store.changedElsewhere$.pipe(takeUntilDestroyed()).subscribe((pair) => {
      this.setState();
      if (!pair) {
        this.leave('other-tab');
      }
    });
  }

  /** Signs in with a user name and password and stores the returned pair. */
  signIn(userName: string, password: string): Observable<TokenPair> {
    return this.http.post<TokenResponse>(this.config.signInUrl, { userName, password }, { context: bypass() }).pipe(
      map((response) => this.adopt(response)),
      tap((pair) => this.events.emit({ type: 'signed-in', userName: pair.userName })),
    );
  }

  /** Ends the session at the user's request: best-effort logout call, then local sign-out. */
  signOut(): void {
    const refreshToken = this.store.refreshToken();
    if (refreshToken) {
      this.revoke(refreshToken);
    }
    this.endSession('user');
  }

  /** Clears the tokens and sends the user to the login page once, remembering where they were. */
  endSession(reason: SignOutReason): void {
    if (!this.store.tokens()) {
      return;
    }
    this.store.clear();
    this.setState();
    this.leave(reason);
  }

  /**
   * Returns the access token from the one refresh in flight, starting it if none is. A caller gives up
   * after `refreshTimeoutMs` without progress; the refresh itself goes on, so a late answer is still adopted.
   */
  refreshAccessToken(trigger: RefreshTrigger = 'unauthorized'): Observable<string> {
    if (!this.refresh$) {
      const pair = this.store.tokens();
      if (!pair) {
        return this.signedOut('Signed out');
      }
      this.refresh$ = this.startRefresh(pair, trigger);
    }
    // Every 401 that joins restarts the wait: over HTTP/1.1 the refresh may queue behind hundreds of requests,
    // and while their answers keep arriving it is queued, not stalled.
    return merge(this.refresh$, this.progress.pipe(map(() => null))).pipe(
      timeout({ each: this.config.refreshTimeoutMs, with: () => throwError(() => this.timeoutError()) }),
      first((token): token is string => token !== null),
    );
  }

  /**
   * The refresh a new request must wait for instead of sending a token already refused, or `null`.
   * A proactive refresh is not waited for: the current token is still good.
   */
  pendingRefresh(url: string): Observable<string> | null {
    if (this.state.value.refreshing !== 'unauthorized') {
      return null;
    }
    this.events.emit({ type: 'request-queued', url });
    return this.refreshAccessToken();
  }

  /** How a request refused with `sentWith` goes on, or `null` when signed out and it cannot. */
  recover(url: string, sentWith: string | null, mayReplay: boolean): Recovery | null {
    const current = this.store.tokens();
    if (!current) {
      return null;
    }
    if (mayReplay && current.accessToken !== sentWith && !this.state.value.refreshing) {
      // A late 401: a refresh finished after this request left, so its token is merely stale. No new refresh.
      this.events.emit({ type: 'late-401-replayed', url });
      return { replay: true, token$: of(current.accessToken) };
    }
    const token$ = this.refreshAccessToken();
    this.progress.next();
    if (this.state.value.refreshing === 'proactive') {
      // The current token is refused after all: from now on new requests wait for the refresh too.
      this.setState('unauthorized');
    }
    return { replay: false, token$ };
  }

  private startRefresh(presented: TokenPair, trigger: RefreshTrigger): Observable<string> {
    this.setState(trigger);
    this.events.emit({ type: 'refresh-started', trigger });
    // The state resets before any waiter hears the outcome, so a waiter that re-requests at once starts afresh.
    const settle = () => {
      this.refresh$ = null;
      this.setState(null);
    };
    return this.tabLock.run(REFRESH_LOCK, () => defer(() => this.refreshUnlessRotated(presented))).pipe(
      catchError((error: unknown) => this.failRefresh(error, presented)),
      tap({ next: settle, error: settle }),
      shareReplay({ bufferSize: 1, refCount: false }),
    );
  }

  // Runs under the cross-tab lock. Another tab may have rotated while this one waited: then its
  // tokens are adopted, because presenting the old refresh token now would be reuse.
  private refreshUnlessRotated(presented: TokenPair): Observable<string> {
    const adopted = this.adoptFromOtherTab(presented);
    if (adopted) {
      return of(adopted);
    }
    if (!this.store.tokens()) {
      // Another tab signed out while this one waited: its refresh token is dead, so don't present it.
      return this.signedOut('Signed out in another tab');
    }
    const body = { refreshToken: presented.refreshToken };
    return this.http.post<TokenResponse>(this.config.refreshUrl, body, { context: bypass() }).pipe(
      timeout({ first: this.config.refreshAbandonMs, with: () => throwError(() => this.timeoutError()) }),
      map((response) => this.adoptRotation(response, presented)),
    );
  }

  private adoptRotation(response: TokenResponse, presented: TokenPair): string {
    const current = this.store.reload();
    if (!current) {
      // Signed out while the refresh was in flight: stay signed out, and retire the pair it brought.
      this.revoke(response.refreshToken);
      throw new HttpErrorResponse({ status: 401, statusText: 'Signed out during the refresh', url: this.config.refreshUrl });
    }
    if (current.refreshToken !== presented.refreshToken) {
      // A new sign-in (here or in another tab) replaced the session meanwhile; it wins.
      return current.accessToken;
    }
    this.events.emit({ type: 'refresh-succeeded' });
    return this.adopt(response).accessToken;
  }

  private failRefresh(error: unknown, presented: TokenPair): Observable<string> {
    const status = error instanceof HttpErrorResponse ? error.status : 0;
    // Only the server saying no (invalid_grant) ends the session; network errors, 5xx and timeouts keep it.
    const terminal = status === 400 || status === 401;
    this.events.emit({ type: 'refresh-failed', terminal, status });
    if (terminal) {
      // Without Web Locks a sibling tab may have rotated meanwhile; its session is still good.
      const adopted = this.adoptFromOtherTab(presented);
      if (adopted) {
        return of(adopted);
      }
      this.endSession('refresh-rejected');
    }
    return throwError(() => error);
  }

  private adoptFromOtherTab(presented: TokenPair): string | null {
    const current = this.store.reload();
    if (!current || current.refreshToken === presented.refreshToken) {
      return null;
    }
    if (current.userId !== presented.userId) {
      // Another user signed in meanwhile: this user's waiting requests must not go out with their token.
      throw new HttpErrorResponse({ status: 401, statusText: 'Another user signed in', url: this.config.refreshUrl });
    }
    this.events.emit({ type: 'adopted-from-tab' });
    return current.accessToken;
  }

  private adopt(response: TokenResponse): TokenPair {
    const pair: TokenPair = {
      userId: response.userId,
      userName: response.userName,
      accessToken: response.authorizationToken,
      refreshToken: response.refreshToken,
      // Measured on this device's clock from the moment of receipt, so server clock skew cannot shift it. JWT times
      // are whole seconds and `iat` is rounded down, so the token may lapse up to a second early: count on one less.
      expiresAt: Date.now() + (response.expiresIn - 1) * 1000,
    };
    this.store.set(pair);
    this.setState();
    return pair;
  }

  private revoke(refreshToken: string): void {
    // Fire and forget: signing out locally must not wait on, or fail with, the network.
    this.http.post(this.config.signOutUrl, { refreshToken }, { context: bypass() }).subscribe({ error: () => undefined });
  }

  private leave(reason: SignOutReason): void {
    this.events.emit({ type: 'signed-out', reason });
    const returnUrl = this.router.url;
    const queryParams = reason === 'user' || returnUrl.startsWith(this.config.loginPath) ? {} : { returnUrl };
    void this.router.navigate([this.config.loginPath], { queryParams });
  }

  private setState(refreshing: RefreshTrigger | null = this.state.value.refreshing): void {
    this.state.next({ refreshing, accessToken: this.store.accessToken() });
  }

  private signedOut(statusText: string): Observable<never> {
    return throwError(() => new HttpErrorResponse({ status: 401, statusText, url: this.config.refreshUrl }));
  }

  private timeoutError(): HttpErrorResponse {
    return new HttpErrorResponse({ status: 0, statusText: 'Refresh timed out', url: this.config.refreshUrl });
  }
}

function bypass(): HttpContext {
  return new HttpContext().set(BYPASS_AUTH, true);
}
