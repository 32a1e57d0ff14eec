import { Injectable, InjectionToken, inject } from '@angular/core';
import { Observable, Subscription, finalize } from 'rxjs';

import { AUTH_CONFIG } from './auth-config';

/** The Web Locks API, or `null` where the browser lacks it; then refreshes are single-flight per tab only. */
export const LOCK_MANAGER = new InjectionToken<LockManager | null>('LOCK_MANAGER', {
  providedIn: 'root',
  factory: () => (typeof navigator !== 'undefined' && navigator.locks ? navigator.locks : null),
});

/** Runs work under a Web Lock shared by every tab of this origin, waiting for it only so long. */
@Injectable({ providedIn: 'root' })
export class TabLock {
  private readonly locks = inject(LOCK_MANAGER);
  private readonly waitMs = inject(AUTH_CONFIG).lockWaitMs;

  /**
   * Subscribes to `work()` while holding lock `name`, and releases the lock when it settles.
   * If the lock is not granted within `lockWaitMs` (only a frozen tab holds it that long), or the browser
   * refuses it, the work runs without it.
   */
  run<T>(name: string, work: () => Observable<T>): Observable<T> {
    const locks = this.locks;
    if (!locks) {
      return work();
    }
    return new Observable<T>((subscriber) => {
      const waiting = new AbortController();
      const timer = setTimeout(() => waiting.abort(), this.waitMs);
      let release: (() => void) | undefined;
      let inner: Subscription | undefined;
      let closed = false;
      // finalize releases the lock however the work ends: value, error, or unsubscribe.
      const runWork = () => (inner = work().pipe(finalize(() => release?.())).subscribe(subscriber));

      locks
        .request(name, { signal: waiting.signal }, () => {
          clearTimeout(timer);
          if (closed) {
            return undefined;
          }
          return new Promise<void>((resolve) => {
            release = resolve;
            runWork();
          });
        })
        .catch(() => {
          // The wait timed out, or the browser refused the lock (e.g. SecurityError): go ahead within this tab.
          if (!closed && !inner) {
            runWork();
          }
        });
      return () => {
        closed = true;
        clearTimeout(timer);
        waiting.abort();
        inner?.unsubscribe();
      };
    });
  }
}
