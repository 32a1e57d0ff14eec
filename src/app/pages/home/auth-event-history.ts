import { Injectable, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { AuthEvent, AuthEvents } from 'angular-token-refresh';

/** How many events the demo keeps. */
export const MAX_EVENTS = 200;

/**
 * The demo's record of auth events since the app started, in this tab and its siblings. It outlives the home page,
 * so a tab that was sent to the login page and came back still shows why (its session ended in another tab).
 */
@Injectable({ providedIn: 'root' })
export class AuthEventHistory {
  private readonly all = signal<readonly AuthEvent[]>([]);

  /** The latest {@link MAX_EVENTS} events, oldest first. */
  readonly events = this.all.asReadonly();

  constructor() {
    inject(AuthEvents)
      .events$.pipe(takeUntilDestroyed())
      .subscribe((event) => this.all.update((events) => [...events, event].slice(-MAX_EVENTS)));
  }
}
