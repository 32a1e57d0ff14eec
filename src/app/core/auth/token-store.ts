import { Injectable, InjectionToken, computed, inject, signal } from '@angular/core';

import { AUTH_CONFIG } from './auth-config';

/** The signed-in user's tokens, as persisted. */
export interface TokenPair {
  readonly userId: string;
  readonly userName: string;
  readonly accessToken: string;
  readonly refreshToken: string;
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
  private readonly pair = signal<TokenPair | null>(this.read());

  /** The current pair, or `null` when signed out. */
  readonly tokens = this.pair.asReadonly();
  /** The current access token, or `null` when signed out. */
  readonly accessToken = computed(() => this.pair()?.accessToken ?? null);
  /** The current refresh token, or `null` when signed out. */
  readonly refreshToken = computed(() => this.pair()?.refreshToken ?? null);

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
    const pair = this.read();
    if (!samePair(pair, this.pair())) {
      this.pair.set(pair);
    }
    return pair;
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
    } catch {
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
  const { userId, userName, accessToken, refreshToken } = value as Record<string, unknown>;
  const fields = [userId, userName, accessToken, refreshToken];
  if (!fields.every((field) => typeof field === 'string' && field.length > 0)) {
    return null;
  }
  return { userId, userName, accessToken, refreshToken } as TokenPair;
}

function samePair(a: TokenPair | null, b: TokenPair | null): boolean {
  return a?.accessToken === b?.accessToken && a?.refreshToken === b?.refreshToken;
}
