import { HttpClient, HttpContext, HttpErrorResponse } from '@angular/common/http';
import { Injectable, computed, inject } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { Router } from '@angular/router';
import {
  BehaviorSubject,
  Observable,
  Subject,
  defer,
  first,
  firstValueFrom,
  map,
  merge,
  of,
  shareReplay,
  tap,
  throwError,
  timeout,
} from 'rxjs';

import { AUTH_CONFIG } from './auth-config';
import { AuthEvents, RefreshTrigger, SignOutReason } from './auth-events';
import { BYPASS_AUTH } from './bypass-auth';
import { TabLock } from './tab-lock';
import { TokenPair, sameSession } from './token-pair';
import { pairFromResponse } from './token-response';
import { TokenStore } from './token-store';

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
    this.store.sessionEnded$.pipe(takeUntilDestroyed()).subscribe(() => {
      this.setState();
      this.leave('other-tab');
    });
  }

  /** Signs in with a user name and password and stores the returned pair as a new session. */
  signIn(userName: string, password: string): Observable<TokenPair> {
    return this.http.post<unknown>(this.config.signInUrl, { userName, password }, { context: bypass() }).pipe(
      map((response) => {
        const pair = pairFromResponse(response, newSessionId()) ?? throwMalformed(this.config.signInUrl);
        void this.store.set(pair);
        this.setState();
        return pair;
      }),
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
    void this.store.clear();
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
    let locked = false;
    const underLock = defer(() => {
      locked = true;
      return this.refreshUnlessRotated(presented);
    });
    return this.tabLock
      .run(REFRESH_LOCK, () => underLock)
      .pipe(
        tap({
          next: settle,
          error: () => {
            if (!locked) {
              // The lock was never granted (a paused holder): nothing was sent, and the session is kept.
              this.events.emit({ type: 'lock-wait-timed-out' });
            }
            settle();
          },
        }),
        shareReplay({ bufferSize: 1, refCount: false }),
      );
  }

  // Runs under the cross-tab lock, and holds it until the new pair is committed to storage, so the next holder,
  // in any tab, reads it. Every pair adopted here must belong to the session the waiting requests were made for.
  private async refreshUnlessRotated(presented: TokenPair): Promise<string> {
    const current = await this.store.reload();
    if (!current || !sameSession(current, presented)) {
      // Signed out, or another sign-in replaced the session, while this tab waited: its requests must not go out.
      throw this.sessionEnded(current ? 'Another sign-in replaced the session' : 'Signed out in another tab');
    }
    if (current.refreshToken !== presented.refreshToken) {
      // Another tab rotated meanwhile: presenting the old refresh token now would be reuse.
      this.events.emit({ type: 'adopted-from-tab' });
      return current.accessToken;
    }
    let next: TokenPair;
    try {
      next = await this.rotate(current);
    } catch (error: unknown) {
      return this.failRefresh(error, current);
    }
    if (await this.store.replace(current, next)) {
      this.events.emit({ type: 'refresh-succeeded' });
      return next.accessToken;
    }
    const stored = this.store.tokens();
    if (stored && sameSession(stored, current)) {
      // Without Web Locks a sibling tab may have rotated too; the pair in storage stands.
      return stored.accessToken;
    }
    // The session ended while the refresh was in flight: stay signed out, and retire the pair it brought.
    this.revoke(next.refreshToken);
    throw this.sessionEnded('The session ended during the refresh');
  }

  private rotate(current: TokenPair): Promise<TokenPair> {
    const body = { refreshToken: current.refreshToken };
    const answer$ = this.http.post<unknown>(this.config.refreshUrl, body, { context: bypass() }).pipe(
      timeout({ first: this.config.refreshAbandonMs, with: () => throwError(() => this.timeoutError()) }),
      // An answer without the promised fields is the server's fault, not the session's: fail transiently, keep the pair.
      map((response) => pairFromResponse(response, current.sessionId) ?? throwMalformed(this.config.refreshUrl)),
    );
    return firstValueFrom(answer$);
  }

  private async failRefresh(error: unknown, presented: TokenPair): Promise<string> {
    const status = error instanceof HttpErrorResponse ? error.status : 0;
    // Only the server saying no (invalid_grant) ends the session; network errors, 5xx and timeouts keep it.
    const terminal = status === 400 || status === 401;
    this.events.emit({ type: 'refresh-failed', terminal, status });
    if (terminal) {
      if (await this.store.replace(presented, null)) {
        this.setState();
        this.leave('refresh-rejected');
      } else {
        // Without Web Locks a sibling tab may have rotated meanwhile; its session is still good.
        const stored = this.store.tokens();
        if (stored && sameSession(stored, presented)) {
          this.events.emit({ type: 'adopted-from-tab' });
          return stored.accessToken;
        }
      }
    }
    throw error;
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
    return throwError(() => this.sessionEnded(statusText));
  }

  private sessionEnded(statusText: string): HttpErrorResponse {
    return new HttpErrorResponse({ status: 401, statusText, url: this.config.refreshUrl });
  }

  private timeoutError(): HttpErrorResponse {
    return new HttpErrorResponse({ status: 0, statusText: 'Refresh timed out', url: this.config.refreshUrl });
  }
}

/** A new session's id: random, and unique among the tabs of this origin. */
function newSessionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

// Angular's own precedent: an unusable 200 body is an HttpErrorResponse with status 200 (as for invalid JSON).
function throwMalformed(url: string): never {
  throw new HttpErrorResponse({ status: 200, statusText: 'Malformed token response', url });
}

function bypass(): HttpContext {
  return new HttpContext().set(BYPASS_AUTH, true);
}
