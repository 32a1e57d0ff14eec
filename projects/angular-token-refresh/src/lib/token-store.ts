import { DestroyRef, Injectable, computed, inject, signal } from '@angular/core';
import { Observable, Subject } from 'rxjs';

import { AngularZone } from './angular-zone';
import { TokenPair, parseTokenPair, sameSession } from './token-pair';
import { TOKEN_CHANNEL, TOKEN_STORAGE, TOKEN_STORAGE_WRAPPER, TokenStorage } from './token-storage';

/** How storage stands against a pair a tab presented: the same, rotated by a sibling tab, another session, or signed out. */
export type StoredComparison =
  | { readonly kind: 'same'; readonly pair: TokenPair }
  | { readonly kind: 'rotated'; readonly pair: TokenPair }
  | { readonly kind: 'other-session' }
  | { readonly kind: 'signed-out' };

/**
 * The token pair: a signal as this tab's synchronous view, backed by the {@link TOKEN_STORAGE} that all tabs share.
 * Decisions that other tabs could race (rotate or adopt) re-read storage; bad stored data means signed out.
 */
@Injectable({ providedIn: 'root' })
export class TokenStore {
  private readonly channel = inject(TOKEN_CHANNEL);
  private readonly wrap = inject(TOKEN_STORAGE_WRAPPER);
  private readonly zone = inject(AngularZone);
  private readonly storage = this.wrapped(inject(TOKEN_STORAGE));
  private readonly pair = signal<TokenPair | null>(null);
  private readonly ended = new Subject<void>();
  // Storage calls run one at a time, in call order, so a read never overtakes this tab's own earlier write.
  private queue: Promise<unknown> = Promise.resolve();
  private writes = 0;

  /** The current pair, or `null` when signed out. */
  readonly tokens = this.pair.asReadonly();
  /** The current access token, or `null` when signed out or not known yet. */
  readonly accessToken = computed(() => this.pair()?.accessToken || null);
  /** The current refresh token, or `null` when signed out. */
  readonly refreshToken = computed(() => this.pair()?.refreshToken ?? null);
  /** Fires when a re-read finds that this tab's session ended elsewhere: signed out, or replaced by another sign-in. */
  readonly sessionEnded$: Observable<void> = this.ended.asObservable();

  constructor() {
    const channel = this.channel;
    if (channel) {
      // Listened to outside the Angular zone; the re-read, and the signals and session end it may bring, run inside.
      const onMessage = () => this.zone.inside(() => void this.reload());
      this.zone.outside(() => channel.addEventListener('message', onMessage));
      inject(DestroyRef).onDestroy(() => channel.close());
    }
  }

  /** Stores the pair of a new sign-in, replacing whatever is stored. */
  set(pair: TokenPair): Promise<boolean> {
    this.pair.set(pair);
    return this.write(() => pair);
  }

  /** Forgets the pair, here and for every tab. */
  clear(): Promise<boolean> {
    this.pair.set(null);
    return this.write(() => null);
  }

  /**
   * Stores `next` (a rotation, or `null` to sign out) only if storage still holds `expected`'s refresh token, in one
   * atomic step; resolves with whether it did. Either way {@link tokens} then shows what storage holds.
   */
  replace(expected: TokenPair, next: TokenPair | null): Promise<boolean> {
    return this.write((stored) => (parseTokenPair(stored)?.refreshToken === expected.refreshToken ? next : undefined));
  }

  /** Re-reads storage and says how it stands against `presented`: the same pair, a sibling's rotation, another session, or none. */
  async compareStored(presented: TokenPair): Promise<StoredComparison> {
    const current = await this.reload();
    if (!current) {
      return { kind: 'signed-out' };
    }
    if (!sameSession(current, presented)) {
      return { kind: 'other-session' };
    }
    // A server that keeps refresh tokens (no rotation) still issues a new access token: that, too, is a sibling's refresh.
    const same = current.refreshToken === presented.refreshToken && current.accessToken === presented.accessToken;
    return { kind: same ? 'same' : 'rotated', pair: current };
  }

  /** Re-reads storage, which another tab may have changed, and resolves with what it holds now. */
  reload(): Promise<TokenPair | null> {
    const writes = this.writes;
    return this.serial(async () => {
      let stored: TokenPair | null;
      try {
        stored = this.storage ? parseTokenPair(await this.storage.read()) : this.pair();
      } catch {
        // Storage failed to read: this tab's own view is the best there is.
        return this.pair();
      }
      // A write this tab issued after asking will set the pair itself; what was just read is older than that.
      return this.writes === writes ? this.adopt(stored) : this.pair();
    });
  }

  // Resolves with whether `change` was applied; a refused change means storage holds another tab's news.
  private write(change: (stored: unknown) => unknown): Promise<boolean> {
    this.writes++;
    return this.serial(async () => {
      let applied = false;
      const tracked = (stored: unknown) => {
        const next = change(stored);
        applied = next !== undefined;
        return next;
      };
      const inMemory = () => {
        const next = tracked(this.pair());
        return next === undefined ? this.pair() : next;
      };
      let stored: unknown;
      try {
        stored = this.storage ? await this.storage.update(tracked) : inMemory();
      } catch {
        // Storage refused the write (quota, private mode): the session lives on in this tab's memory.
        stored = inMemory();
      }
      // A wrapped storage announces its own writes on the channel (cookie mode posts the pair); a ping more would
      // only make every sibling read storage twice.
      if (applied && !this.wrap) {
        this.channel?.postMessage('changed');
      }
      this.adopt(parseTokenPair(stored), !applied);
      return applied;
    });
  }

  private adopt(stored: TokenPair | null, elsewhere = true): TokenPair | null {
    const before = this.pair();
    if (stored?.accessToken !== before?.accessToken || stored?.refreshToken !== before?.refreshToken) {
      this.pair.set(stored);
    }
    if (elsewhere && before && !sameSession(before, stored)) {
      this.ended.next();
    }
    return stored;
  }

  // A mode's rules for what reaches storage: in cookie mode no token does (see CookieTokenStorage).
  private wrapped(storage: TokenStorage | null): TokenStorage | null {
    const wrap = this.wrap;
    return storage && wrap ? this.zone.outside(() => wrap(storage, this.channel)) : storage;
  }

  private serial<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation);
    this.queue = result.catch(() => undefined);
    return result;
  }
}
