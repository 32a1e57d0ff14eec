import { DOCUMENT } from '@angular/common';
import { DestroyRef, Injectable, InjectionToken, computed, inject, signal } from '@angular/core';
import { Observable, Subject } from 'rxjs';

import { AUTH_CONFIG } from './auth-config';

/** The signed-in user's tokens, as persisted. */
export interface TokenPair {
  readonly userId: string;
  readonly userName: string;
  readonly accessToken: string;
  readonly refreshToken: string;
  /** When the access token expires, in this device's clock (epoch ms); absent when unknown. */
  readonly expiresAt?: number;
}

/** Where the token pair is persisted; `localStorage` unless a test or app provides another `Storage`. */
export const TOKEN_STORAGE = new InjectionToken<Storage>('TOKEN_STORAGE', {
  providedIn: 'root',
  factory: () => localStorage,
});

/** Holds the token pair in a signal and mirrors it to {@link TOKEN_STORAGE}; bad stored data means signed out. */
@Injectable({ providedIn: 'root' })
export class TokenStore {
  private readonly storage = inject(TOKEN_STORAGE);
  private readonly key = inject(AUTH_CONFIG).storageKey;
  private readonly window = inject(DOCUMENT).defaultView;
  private readonly destroyRef = inject(DestroyRef);
  private readonly pair = signal<TokenPair | null>(this.read());
  private readonly elsewhere = new Subject<TokenPair | null>();
  private persisted = true;

  /** The current pair, or `null` when signed out. */
  readonly tokens = this.pair.asReadonly();
  /** The current access token, or `null` when signed out. */
  readonly accessToken = computed(() => this.pair()?.accessToken ?? null);
  /** The current refresh token, or `null` when signed out. */
  readonly refreshToken = computed(() => this.pair()?.refreshToken ?? null);

  /** Pairs that another tab wrote (rotated, signed in) or removed (signed out), as this tab adopts them. */
  readonly changedElsewhere$: Observable<TokenPair | null> = this.elsewhere.asObservable();

  constructor() {
    // Tabs share localStorage; its `storage` event fires in every other tab of the origin.
    const onStorage = (event: StorageEvent) => {
      if (event.key === this.key || event.key === null) {
        const before = this.pair();
        const after = this.reload();
        if (after !== before) {
          this.elsewhere.next(after);
        }
      }
    };
    this.window?.addEventListener('storage', onStorage);
    this.destroyRef.onDestroy(() => this.window?.removeEventListener('storage', onStorage));
  }

  /** Stores a new pair, in memory and in storage. */
  set(pair: TokenPair): void {
    this.write(JSON.stringify(pair));
    this.pair.set(pair);
  }

  /** Replaces only the access token; the demo's "Break access token" uses it. */
  setAccessToken(accessToken: string): void {
    const pair = this.pair();
    if (pair) {
      this.set({ ...pair, accessToken });
    }
  }

  /** Forgets the pair, in memory and in storage. */
  clear(): void {
    try {
      this.storage.removeItem(this.key);
    } catch {
      // Storage may be unavailable (private mode, quota); memory is still cleared.
    }
    this.pair.set(null);
  }

  /** Re-reads storage, which another tab may have changed, and returns what it holds now. */
  reload(): TokenPair | null {
    // After a refused write, storage being empty says nothing: the session lives in this tab's memory.
    const pair = this.read() ?? (this.persisted ? null : this.pair());
    if (!samePair(pair, this.pair())) {
      this.pair.set(pair);
    }
    return this.pair();
  }

  private read(): TokenPair | null {
    try {
      return parsePair(this.storage.getItem(this.key));
    } catch {
      return null;
    }
  }

  private write(value: string): void {
    try {
      this.storage.setItem(this.key, value);
      this.persisted = true;
    } catch {
      this.persisted = false;
      // Storage may be unavailable; the session then lives in memory for this tab only.
    }
  }
}

function parsePair(raw: string | null): TokenPair | null {
  if (!raw) {
    return null;
  }
  const value: unknown = JSON.parse(raw);
  if (typeof value !== 'object' || value === null) {
    return null;
  }
  const { userId, userName, accessToken, refreshToken, expiresAt } = value as Record<string, unknown>;
  const fields = [userId, userName, accessToken, refreshToken];
  if (!fields.every((field) => typeof field === 'string' && field.length > 0)) {
    return null;
  }
  const pair = { userId, userName, accessToken, refreshToken } as TokenPair;
  return typeof expiresAt === 'number' && Number.isFinite(expiresAt) ? { ...pair, expiresAt } : pair;
}

function samePair(a: TokenPair | null, b: TokenPair | null): boolean {
  return a?.accessToken === b?.accessToken && a?.refreshToken === b?.refreshToken;
}
