import { DestroyRef, Injectable, InjectionToken, inject } from '@angular/core';
import { Observable, Subject } from 'rxjs';

import { AngularZone } from './angular-zone';
import { inBrowser } from './platform';

/** Why a session ended. */
export type SignOutReason = 'user' | 'refresh-rejected' | 'retry-rejected' | 'other-tab';

/** What started a refresh. */
export type RefreshTrigger = 'unauthorized' | 'proactive' | 'recovery';

/** Something the auth layer did. */
export type AuthEventKind =
  | { readonly type: 'signed-in'; readonly userName: string | null }
  | { readonly type: 'refresh-started'; readonly trigger: RefreshTrigger }
  | { readonly type: 'refresh-succeeded' }
  | { readonly type: 'refresh-failed'; readonly terminal: boolean; readonly status: number }
  | { readonly type: 'lock-wait-timed-out' }
  | { readonly type: 'adopted-from-tab' }
  | { readonly type: 'request-queued' }
  | { readonly type: 'late-401-replayed' }
  | { readonly type: 'signed-out'; readonly reason: SignOutReason };

/** An auth event with the tab it happened in and when (epoch ms). */
export type AuthEvent = AuthEventKind & { readonly tab: string; readonly at: number };

/** This tab's id in auth events: four hex digits, new on every page load. */
export const TAB_ID = new InjectionToken<string>('TAB_ID', {
  providedIn: 'root',
  factory: () =>
    Math.floor(Math.random() * 0x10000)
      .toString(16)
      .padStart(4, '0'),
});

/** The channel that carries auth events between tabs; `null` where BroadcastChannel is missing, and on the server. */
export const AUTH_EVENT_CHANNEL = new InjectionToken<BroadcastChannel | null>('AUTH_EVENT_CHANNEL', {
  providedIn: 'root',
  factory: () => (inBrowser() && typeof BroadcastChannel === 'function' ? new BroadcastChannel('angular-token-refresh.auth-events') : null),
});

/** The stream of auth events of this tab and, through a BroadcastChannel, of its sibling tabs. */
@Injectable({ providedIn: 'root' })
export class AuthEvents {
  private readonly tab = inject(TAB_ID);
  private readonly channel = inject(AUTH_EVENT_CHANNEL);
  private readonly subject = new Subject<AuthEvent>();
  private readonly destroyRef = inject(DestroyRef);
  private readonly zone = inject(AngularZone);

  /** Every event, local or from another tab, as it happens. */
  readonly events$: Observable<AuthEvent> = this.subject.asObservable();

  constructor() {
    const channel = this.channel;
    if (channel) {
      // Listened to outside the Angular zone, and heard by subscribers inside it.
      const receive = (message: MessageEvent<AuthEvent>) => this.zone.inside(() => this.subject.next(message.data));
      this.zone.outside(() => channel.addEventListener('message', receive));
      this.destroyRef.onDestroy(() => channel.close());
    }
  }

  /** Stamps an event with this tab and the time, then publishes it here and to the other tabs. */
  emit(kind: AuthEventKind): void {
    const event: AuthEvent = { ...kind, tab: this.tab, at: Date.now() };
    // Subscribers hear it in the Angular zone, wherever it happened (a request that the app sent outside it, say).
    this.zone.inside(() => this.subject.next(event));
    this.channel?.postMessage(event);
  }
}
