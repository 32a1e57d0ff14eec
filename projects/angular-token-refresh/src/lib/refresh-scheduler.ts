import { DOCUMENT } from '@angular/common';
import { DestroyRef, Injectable, Injector, effect, inject, untracked } from '@angular/core';

import { AngularZone } from './angular-zone';
import { AuthService } from './auth-service';
import { TokenPair } from './token-pair';
import { TokenStore } from './token-store';

/** The most a proactive refresh runs ahead of the access token's expiry. */
export const MAX_REFRESH_LEAD_MS = 30_000;
/**
 * The least it runs ahead: JWT times are whole seconds and `iat` is rounded down, so a token may lapse up to
 * a second before its nominal `expiresIn`.
 */
export const MIN_REFRESH_LEAD_MS = 1_000;
/** Tokens with less life left than this are not refreshed ahead of time; their 401 is. */
export const MIN_PROACTIVE_LIFETIME_MS = 2_000;
/** How long to wait before trying again after a proactive refresh failed transiently. */
export const PROACTIVE_RETRY_MS = 5_000;

/**
 * Refreshes shortly before the access token expires, through the same single-flight path as 401s.
 * Timers are late or skipped in background tabs and on sleeping laptops, so it re-checks on
 * `visibilitychange` and `online`. Reactive 401 handling stays as the safety net.
 */
@Injectable({ providedIn: 'root' })
export class RefreshScheduler {
  private readonly auth = inject(AuthService);
  private readonly store = inject(TokenStore);
  private readonly document = inject(DOCUMENT);
  private readonly injector = inject(Injector);
  private readonly destroyRef = inject(DestroyRef);
  private readonly zone = inject(AngularZone);
  private timer: ReturnType<typeof setTimeout> | undefined;
  private scheduledFor: TokenPair | null = null;
  private dueAt: number | null = null;
  private started = false;

  /** Starts watching the stored pair; calling it again does nothing. */
  start(): void {
    if (this.started) {
      return;
    }
    this.started = true;
    effect(
      () => {
        const pair = this.store.tokens();
        untracked(() => this.schedule(pair));
      },
      { injector: this.injector },
    );

    // The timers and listeners are outside the Angular zone, so an app with a refresh ahead is stable; a refresh
    // they start is the app's again.
    const window = this.document.defaultView;
    const recheck = () => this.document.visibilityState === 'visible' && this.zone.inside(() => this.refreshIfDue());
    this.zone.outside(() => {
      this.document.addEventListener('visibilitychange', recheck);
      window?.addEventListener('online', recheck);
    });
    this.destroyRef.onDestroy(() => {
      clearTimeout(this.timer);
      this.document.removeEventListener('visibilitychange', recheck);
      window?.removeEventListener('online', recheck);
    });
  }

  private schedule(pair: TokenPair | null): void {
    clearTimeout(this.timer);
    this.scheduledFor = pair;
    this.dueAt = null;
    const remaining = pair?.expiresAt ? pair.expiresAt - Date.now() : 0;
    if (!pair?.expiresAt || remaining < MIN_PROACTIVE_LIFETIME_MS) {
      // Unknown, spent or very short lifetimes are left to the 401 path, which cannot spin.
      return;
    }
    // At 80–90 % of the life left (75 % for a 4-second token, where the rounding margin decides), and never more
    // than 30 s early. The jitter spreads tabs apart where there are no Web Locks; with them it costs nothing.
    const lead = Math.max(MIN_REFRESH_LEAD_MS, Math.min(MAX_REFRESH_LEAD_MS, remaining * (0.1 + Math.random() / 10)));
    this.dueAt = pair.expiresAt - lead;
    this.refreshIfDue();
  }

  private refreshIfDue(): void {
    const pair = this.store.tokens();
    if (pair !== this.scheduledFor) {
      // The pair changed and the effect has not run yet: plan for the new one, never for a stale due time.
      this.schedule(pair);
      return;
    }
    if (this.dueAt === null) {
      return;
    }
    const wait = this.dueAt - Date.now();
    clearTimeout(this.timer);
    if (wait > 0) {
      this.arm(wait);
      return;
    }
    this.auth.refreshAccessToken('proactive').subscribe({
      error: () => {
        // A transient failure keeps the session; try again soon unless something else rotated meanwhile.
        if (this.store.tokens() === pair) {
          this.arm(PROACTIVE_RETRY_MS);
        }
      },
    });
  }

  private arm(delay: number): void {
    clearTimeout(this.timer);
    this.timer = this.zone.outside(() => setTimeout(() => this.zone.inside(() => this.refreshIfDue()), delay));
  }
}
