import { HttpErrorResponse } from '@angular/common/http';
import { Injectable, InjectionToken, inject } from '@angular/core';
import { Observable, Subscription, finalize } from 'rxjs';

import { AngularZone } from './angular-zone';
import { AUTH_CONFIG } from './auth-config';
import { IndexedDbTokenStorage } from './indexed-db-token-storage';
import { inBrowser } from './platform';

/** The part of the Web Locks API that {@link TabLock} uses: an exclusive lock per name, with a wait that can be aborted. */
export interface TabLockManager {
  request<T>(name: string, options: { signal?: AbortSignal }, callback: () => T | PromiseLike<T>): Promise<T>;
}

/**
 * The Web Locks API; where the browser lacks it (insecure contexts, old browsers), a {@link LeaseLockManager} over
 * IndexedDB, so refreshes stay single-flight across tabs; `null` where neither can serve (an opaque origin, such as a
 * sandboxed iframe, which has no sibling tabs; no IndexedDB; the server): then refreshes are single-flight per tab only.
 */
export const LOCK_MANAGER = new InjectionToken<TabLockManager | null>('LOCK_MANAGER', {
  providedIn: 'root',
  factory: () => {
    if (!inBrowser() || globalThis.origin === 'null') {
      return null;
    }
    if (typeof navigator !== 'undefined' && navigator.locks) {
      return navigator.locks;
    }
    return typeof indexedDB === 'undefined' ? null : lazyLeases(`${inject(AUTH_CONFIG).storageKey}.lease`);
  },
});

/** Runs work under a Web Lock (or lease) shared by every tab of this origin, waiting for it only so long. */
@Injectable({ providedIn: 'root' })
export class TabLock {
  private readonly locks = inject(LOCK_MANAGER);
  private readonly waitMs = inject(AUTH_CONFIG).lockWaitMs;
  private readonly zone = inject(AngularZone);

  /**
   * Subscribes to `work()` while holding lock `name`, and releases the lock when it settles. Where Web Locks exist
   * the work never runs without the lock: if it is not granted within `lockWaitMs`, or the browser refuses it, the
   * result fails with status 0, a transient error. Browsers release the locks of pages that go away and never freeze
   * pages that hold one, so a holder that outlasts the wait is paused (a debugger), and its work may be under way.
   */
  run<T>(name: string, work: () => Observable<T>): Observable<T> {
    const locks = this.locks;
    if (!locks) {
      return work();
    }
    return new Observable<T>((subscriber) => {
      const waiting = new AbortController();
      let inner: Subscription | undefined;
      let closed = false;

      // The wait is outside the Angular zone (a paused holder must not keep the app unstable); the lock's callback
      // comes in the root zone, since zone.js does not patch Web Locks, so the work and its outcome go back inside.
      const timer = this.zone.outside(() => setTimeout(() => waiting.abort(), this.waitMs));
      this.zone.outside(() =>
        locks
          .request(name, { signal: waiting.signal }, () => {
            clearTimeout(timer);
            if (closed) {
              return undefined;
            }
            return new Promise<void>((resolve) => {
              // finalize releases the lock however the work ends: value, error, or unsubscribe.
              inner = this.zone.inside(() => work().pipe(finalize(resolve)).subscribe(subscriber));
            });
          })
          .catch((error: unknown) => {
            if (!inner) {
              const reason = waiting.signal.aborted ? 'Another tab holds the refresh lock' : `Refresh lock refused: ${String(error)}`;
              this.zone.inside(() => subscriber.error(new HttpErrorResponse({ status: 0, statusText: reason })));
            }
          }),
      );
      return () => {
        closed = true;
        clearTimeout(timer);
        waiting.abort();
        inner?.unsubscribe();
      };
    });
  }
}

/**
 * A {@link LeaseLockManager} for the leases named `key`, loaded on first use: only browsers without Web Locks fetch
 * its code, so the others' bundles do not carry it.
 */
function lazyLeases(key: string): TabLockManager {
  let leases: Promise<TabLockManager> | undefined;
  return {
    request: async (name, options, callback) => {
      leases ??= import('./lease-lock-manager').then(
        ({ LeaseLockManager }) =>
          new LeaseLockManager(new IndexedDbTokenStorage(key), typeof BroadcastChannel === 'function' ? new BroadcastChannel(key) : null),
      );
      return (await leases).request(name, options, callback);
    },
  };
}
