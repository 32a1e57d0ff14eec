import { HttpErrorResponse } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, defer, firstValueFrom, map, tap } from 'rxjs';

import { AUTH_BACKEND, REFRESH_TOKEN_COOKIE, isClientRejection } from './auth-backend';
import { AUTH_CONFIG } from './auth-config';
import { AuthEvents } from './auth-events';
import { quietTimeout } from './quiet-timeout';
import { TabLock } from './tab-lock';
import { TokenPair, malformedAnswer, newAttemptId, pairFromTokenSet, sameSession } from './token-pair';
import { TokenStore } from './token-store';

/** The Web Lock that makes a refresh single-flight across the tabs of an origin. */
export const REFRESH_LOCK = 'angular-token-refresh.refresh';

/** The server refused the refresh token (400/401, `invalid_grant`) and the pair was cleared: the session is over. */
export class RefreshRejected extends HttpErrorResponse {}

/**
 * Rotates the token pair of one session under the cross-tab lock: it adopts a sibling tab's rotation, or presents
 * the refresh token once and commits the answer before letting go of the lock, so the next holder reads it.
 */
@Injectable({ providedIn: 'root' })
export class TokenRotation {
  private readonly backend = inject(AUTH_BACKEND);
  private readonly store = inject(TokenStore);
  private readonly config = inject(AUTH_CONFIG);
  private readonly events = inject(AuthEvents);
  private readonly tabLock = inject(TabLock);
  private readonly cookieMode = inject(REFRESH_TOKEN_COOKIE);

  /**
   * The new access token of `presented`'s session. Fails with 401 when that session ended meanwhile (signed out,
   * or replaced by another sign-in), with {@link RefreshRejected} when the server refused, and transiently (network,
   * 5xx, timeout, an unusable answer, a lock held past `lockWaitMs`) otherwise, keeping the pair.
   */
  run(presented: TokenPair): Observable<string> {
    let locked = false;
    const underLock = defer(() => {
      locked = true;
      return this.rotateUnderLock(presented);
    });
    return this.tabLock
      .run(REFRESH_LOCK, () => underLock)
      .pipe(
        tap({
          error: () => {
            if (!locked) {
              // The lock was never granted (a paused holder): nothing was sent, and the session is kept.
              this.events.emit({ type: 'lock-wait-timed-out' });
            }
          },
        }),
      );
  }

  /** Retires `refreshToken` on the server, best effort: signing out locally must not wait on, or fail with, the network. */
  revoke(refreshToken: string): void {
    this.backend.signOut?.(refreshToken).subscribe({ error: () => undefined });
  }

  // Every pair adopted here must belong to the session the waiting requests were made for.
  private async rotateUnderLock(presented: TokenPair): Promise<string> {
    const stored = await this.store.compareStored(presented);
    if (stored.kind === 'signed-out' || stored.kind === 'other-session') {
      // Signed out, or another sign-in replaced the session, while this tab waited: its requests must not go out.
      throw this.sessionEnded(stored.kind === 'signed-out' ? 'Signed out in another tab' : 'Another sign-in replaced the session');
    }
    if (stored.kind === 'rotated' && stored.pair.accessToken) {
      // Another tab rotated meanwhile: presenting the old refresh token now would be reuse.
      this.events.emit({ type: 'adopted-from-tab' });
      return stored.pair.accessToken;
    }
    // Or it rotated, but its access token never reached this tab (cookie mode): the cookie holds that rotation's
    // refresh token, so the refresh goes on from the stored pair. Either way it names the attempt that whoever
    // presented this token before (this tab before a reload, say) stored; in cookie mode the pair's refresh token is
    // the rotation's own id, stored with it, and names the attempt itself.
    let base = stored.pair;
    const attempt = this.cookieMode ? base.refreshToken : (base.attempt ?? newAttemptId());
    if (!this.cookieMode && !base.attempt) {
      // Committed before the refresh leaves: whoever presents this token again, after a lost answer, names the same
      // attempt, and the server answers with the rotation it made instead of revoking the session as reuse.
      const attempted = { ...base, attempt };
      if (!(await this.store.replace(base, attempted))) {
        return this.siblingRotationOrEnd(presented);
      }
      base = attempted;
    }
    let next: TokenPair;
    try {
      next = await this.present(base, attempt);
    } catch (error: unknown) {
      return this.fail(error, base);
    }
    if (await this.store.replace(base, next)) {
      this.events.emit({ type: 'refresh-succeeded' });
      return next.accessToken;
    }
    // The session ended while the refresh was in flight: stay signed out, and retire the pair it brought.
    return this.siblingRotationOrEnd(presented, () => this.revoke(next.refreshToken));
  }

  // After a refused compare-and-set: a sibling's rotation of this session stands (without Web Locks), or the session
  // ended meanwhile, and `ended` cleans up after it.
  private siblingRotationOrEnd(presented: TokenPair, ended?: () => void): string {
    const sibling = this.siblingRotation(presented);
    if (sibling) {
      return sibling;
    }
    ended?.();
    throw this.sessionEnded('The session ended during the refresh');
  }

  private present(presented: TokenPair, attempt: string): Promise<TokenPair> {
    const answer$ = this.backend.refresh(presented.refreshToken, attempt).pipe(
      quietTimeout(this.config.refreshAbandonMs, refreshTimedOut),
      // An answer without the promised fields is the server's fault, not the session's: fail transiently, keep the pair.
      map((tokens) => pairFromTokenSet(tokens, presented.sessionId, presented) ?? malformedAnswer()),
    );
    return firstValueFrom(answer$);
  }

  private async fail(error: unknown, presented: TokenPair): Promise<string> {
    // Only the server saying no (invalid_grant) ends the session; network errors, 5xx and timeouts keep it.
    const rejected = (this.backend.isRefreshRejected ?? isClientRejection)(error);
    const status = error instanceof HttpErrorResponse ? error.status : 0;
    this.events.emit({ type: 'refresh-failed', terminal: rejected, status });
    if (!rejected) {
      throw error;
    }
    if (await this.store.replace(presented, null)) {
      const { error: body, headers, statusText, url } = error instanceof HttpErrorResponse ? error : new HttpErrorResponse({ status: 401 });
      throw new RefreshRejected({ error: body, headers, status: status || 401, statusText, url: url ?? undefined });
    }
    const sibling = this.siblingRotation(presented);
    if (sibling) {
      this.events.emit({ type: 'adopted-from-tab' });
      return sibling;
    }
    throw error;
  }

  // After a refused compare-and-set: without Web Locks a sibling tab may have rotated this session meanwhile, and
  // then the pair it stored stands. Returns its access token, or null when the session ended.
  private siblingRotation(presented: TokenPair): string | null {
    const current = this.store.tokens();
    if (!current || !sameSession(current, presented)) {
      return null;
    }
    if (!current.accessToken) {
      // Cookie mode, and the rotating tab's access token never arrived: fail transiently; the next 401 refreshes.
      throw new HttpErrorResponse({ status: 0, statusText: "Another tab's access token did not arrive" });
    }
    return current.accessToken;
  }

  private sessionEnded(statusText: string): HttpErrorResponse {
    return new HttpErrorResponse({ status: 401, statusText });
  }
}

/** The transient error of a refresh that took too long: status 0, as for a network error. */
export function refreshTimedOut(): HttpErrorResponse {
  return new HttpErrorResponse({ status: 0, statusText: 'Refresh timed out' });
}
