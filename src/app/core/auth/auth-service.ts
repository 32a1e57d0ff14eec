import { HttpClient, HttpContext, HttpErrorResponse } from '@angular/common/http';
import { Injectable, computed, inject } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { Router } from '@angular/router';
import { BehaviorSubject, Observable, catchError, finalize, map, of, shareReplay, tap, throwError, timeout } from 'rxjs';

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

/** Whether a refresh is in flight, and the access token stored when that last changed. */
export interface RefreshState {
  readonly refreshing: boolean;
  readonly accessToken: string | null;
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

  private readonly state = new BehaviorSubject<RefreshState>({ refreshing: false, accessToken: this.store.accessToken() });
  private refresh$: Observable<string> | null = null;

  /** Refresh state; never errors or completes, so waiters can always rely on it. */
  readonly refreshState$ = this.state.asObservable();
  /** The signed-in user's name, or `null`. */
  readonly userName = computed(() => this.store.tokens()?.userName ?? null);

  constructor() {
    this.store.changedElsewhere$.pipe(takeUntilDestroyed()).subscribe((pair) => {
      this.state.next({ refreshing: this.state.value.refreshing, accessToken: pair?.accessToken ?? null });
      if (!pair) {
        this.leave('other-tab');
      }
    });
  }

  /** True while a refresh request is in flight. */
  isRefreshing(): boolean {
    return this.state.value.refreshing;
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
  refreshAccessToken(trigger: RefreshTrigger = 'unauthorized'): Observable<string> {
    this.refresh$ ??= this.startRefresh(trigger);
    return this.refresh$;
  }

  /** Clears the tokens and sends the user to the login page once, remembering where they were. */
  endSession(reason: SignOutReason): void {
    if (!this.store.tokens()) {
      return;
    }
    this.store.clear();
    this.state.next({ refreshing: this.state.value.refreshing, accessToken: null });
    this.leave(reason);
  }

  private startRefresh(trigger: RefreshTrigger): Observable<string> {
    const presented = this.store.refreshToken();
    if (!presented) {
      return this.signedOut('Signed out');
    }
    this.state.next({ refreshing: true, accessToken: this.store.accessToken() });
    this.events.emit({ type: 'refresh-started', trigger });
    return this.tabLock.run(REFRESH_LOCK, () => this.refreshUnlessRotated(presented)).pipe(
      catchError((error: unknown) => this.failRefresh(error, presented)),
      finalize(() => {
        this.refresh$ = null;
        this.state.next({ refreshing: false, accessToken: this.store.accessToken() });
      }),
      shareReplay({ bufferSize: 1, refCount: false }),
    );
  }

  // Runs under the cross-tab lock. Another tab may have rotated while this one waited: then its
  // tokens are adopted, because presenting the old refresh token now would be reuse.
  private refreshUnlessRotated(presented: string): Observable<string> {
    const adopted = this.adoptFromOtherTab(presented);
    if (adopted) {
      return of(adopted);
    }
    if (!this.store.tokens()) {
      // Another tab signed out while this one waited: its refresh token is dead, so don't present it.
      return this.signedOut('Signed out in another tab');
    }
    return this.http.post<TokenResponse>(this.config.refreshUrl, { refreshToken: presented }, { context: bypass() }).pipe(
      timeout({ first: this.config.refreshTimeoutMs, with: () => throwError(() => this.timeoutError()) }),
      map((response) => {
        this.events.emit({ type: 'refresh-succeeded' });
        return this.adopt(response).accessToken;
      }),
    );
  }

  private failRefresh(error: unknown, presented: string): Observable<string> {
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

  private adoptFromOtherTab(presented: string): string | null {
    const current = this.store.reload();
    if (!current || current.refreshToken === presented) {
      return null;
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
      // Measured on this device's clock from the moment of receipt, so server clock skew cannot shift it.
      expiresAt: Date.now() + response.expiresIn * 1000,
    };
    this.store.set(pair);
    this.state.next({ refreshing: this.state.value.refreshing, accessToken: pair.accessToken });
    return pair;
  }

  private leave(reason: SignOutReason): void {
    this.events.emit({ type: 'signed-out', reason });
    const returnUrl = this.router.url;
    const queryParams = reason === 'user' || returnUrl.startsWith(this.config.loginPath) ? {} : { returnUrl };
    void this.router.navigate([this.config.loginPath], { queryParams });
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
