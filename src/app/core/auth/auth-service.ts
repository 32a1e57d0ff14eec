import { HttpClient, HttpContext, HttpErrorResponse } from '@angular/common/http';
import { Injectable, computed, inject } from '@angular/core';
import { Router } from '@angular/router';
import { BehaviorSubject, Observable, Subject, finalize, map, shareReplay, tap, throwError, timeout } from 'rxjs';
import { catchError } from 'rxjs/operators';

import { AUTH_CONFIG } from './auth-config';
import { BYPASS_AUTH } from './bypass-auth';
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

/** Why a session ended. */
export type SignOutReason = 'user' | 'refresh-rejected' | 'retry-rejected';

/** Something the auth layer did; the home page's timeline renders these. */
export type AuthEvent =
  | { readonly type: 'signed-in'; readonly userName: string }
  | { readonly type: 'refresh-started' }
  | { readonly type: 'refresh-succeeded' }
  | { readonly type: 'refresh-failed'; readonly terminal: boolean; readonly status: number }
  | { readonly type: 'request-queued'; readonly url: string }
  | { readonly type: 'late-401-replayed'; readonly url: string }
  | { readonly type: 'signed-out'; readonly reason: SignOutReason };

/** Whether a refresh is in flight, and the access token to use. */
export interface RefreshState {
  readonly refreshing: boolean;
  readonly accessToken: string | null;
}

/** Signs in and out, and owns the single in-flight refresh that every 401 shares. */
@Injectable({ providedIn: 'root' })
export class AuthService {
  private readonly http = inject(HttpClient);
  private readonly router = inject(Router);
  private readonly store = inject(TokenStore);
  private readonly config = inject(AUTH_CONFIG);

  private readonly state = new BehaviorSubject<RefreshState>({ refreshing: false, accessToken: this.store.accessToken() });
  private readonly eventSubject = new Subject<AuthEvent>();
  private refresh$: Observable<string> | null = null;

  /** Refresh state; never errors or completes, so waiters can always rely on it. */
  readonly refreshState$ = this.state.asObservable();
  /** What the auth layer does, as it happens. */
  readonly events$ = this.eventSubject.asObservable();
  /** The signed-in user's name, or `null`. */
  readonly userName = computed(() => this.store.tokens()?.userName ?? null);

  /** True while a refresh request is in flight. */
  isRefreshing(): boolean {
    return this.state.value.refreshing;
  }

  /** Signs in with a user name and password and stores the returned pair. */
  signIn(userName: string, password: string): Observable<TokenPair> {
    return this.http.post<TokenResponse>(this.config.signInUrl, { userName, password }, { context: bypass() }).pipe(
      map((response) => this.adopt(response)),
      tap((pair) => this.emit({ type: 'signed-in', userName: pair.userName })),
    );
  }

  /** Ends the session at the user's request: best-effort logout call, then local sign-out. */
  signOut(): void {
    const refreshToken = this.store.refreshToken();
    if (refreshToken) {
      // Fire and forget: the local sign-out must not wait on, or fail with, the network.
      this.http.post(this.config.signOutUrl, { refreshToken }, { context: bypass() }).subscribe({ error: () => undefined });
    }
    this.endSession('user');
  }

  /**
   * Returns the access token from the one refresh in flight, starting it if none is.
   * It runs in this root service, not in the caller's subscription: `refCount: false` keeps it
   * going when every waiter unsubscribes, because the server rotates the refresh token anyway.
   */
  refreshAccessToken(): Observable<string> {
    this.refresh$ ??= this.startRefresh();
    return this.refresh$;
  }

  /** Clears the tokens and sends the user to the login page once, remembering where they were. */
  endSession(reason: SignOutReason): void {
    if (!this.store.tokens()) {
      return;
    }
    this.store.clear();
    this.state.next({ refreshing: false, accessToken: null });
    this.emit({ type: 'signed-out', reason });
    const returnUrl = this.router.url;
    const queryParams = reason === 'user' || returnUrl.startsWith(this.config.loginPath) ? {} : { returnUrl };
    void this.router.navigate([this.config.loginPath], { queryParams });
  }

  /** Reports a request that waits for the refresh in flight. */
  noteQueued(url: string): void {
    this.emit({ type: 'request-queued', url });
  }

  /** Reports a 401 replayed with a token that a finished refresh already stored. */
  noteLateReplay(url: string): void {
    this.emit({ type: 'late-401-replayed', url });
  }

  private startRefresh(): Observable<string> {
    const refreshToken = this.store.refreshToken();
    if (!refreshToken) {
      return throwError(() => new HttpErrorResponse({ status: 401, statusText: 'Signed out', url: this.config.refreshUrl }));
    }
    this.state.next({ refreshing: true, accessToken: this.store.accessToken() });
    this.emit({ type: 'refresh-started' });
    return this.http.post<TokenResponse>(this.config.refreshUrl, { refreshToken }, { context: bypass() }).pipe(
      timeout({ first: this.config.refreshTimeoutMs, with: () => throwError(() => this.timeoutError()) }),
      map((response) => {
        this.emit({ type: 'refresh-succeeded' });
        return this.adopt(response).accessToken;
      }),
      catchError((error: unknown) => this.failRefresh(error)),
      finalize(() => {
        this.refresh$ = null;
        this.state.next({ refreshing: false, accessToken: this.store.accessToken() });
      }),
      shareReplay({ bufferSize: 1, refCount: false }),
    );
  }

  private failRefresh(error: unknown): Observable<never> {
    const status = error instanceof HttpErrorResponse ? error.status : 0;
    // Only the server saying no (invalid_grant) ends the session; network errors, 5xx and timeouts keep it.
    const terminal = status === 400 || status === 401;
    this.emit({ type: 'refresh-failed', terminal, status });
    if (terminal) {
      this.endSession('refresh-rejected');
    }
    return throwError(() => error);
  }

  private adopt(response: TokenResponse): TokenPair {
    const pair: TokenPair = {
      userId: response.userId,
      userName: response.userName,
      accessToken: response.authorizationToken,
      refreshToken: response.refreshToken,
    };
    this.store.set(pair);
    this.state.next({ refreshing: this.state.value.refreshing, accessToken: pair.accessToken });
    return pair;
  }

  private timeoutError(): HttpErrorResponse {
    return new HttpErrorResponse({ status: 0, statusText: 'Refresh timed out', url: this.config.refreshUrl });
  }

  private emit(event: AuthEvent): void {
    this.eventSubject.next(event);
  }
}

function bypass(): HttpContext {
  return new HttpContext().set(BYPASS_AUTH, true);
}
