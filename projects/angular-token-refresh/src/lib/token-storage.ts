import { InjectionToken, inject } from '@angular/core';

import { AUTH_CONFIG } from './auth-config';
import { IndexedDbTokenStorage } from './indexed-db-token-storage';
import { inBrowser } from './platform';

/**
 * Where the token pair is kept, shared by every tab of the origin. It must be strongly consistent: once a write
 * resolves, every later read in any tab sees it. `localStorage` is not: Chromium copies it between tabs later.
 */
export interface TokenStorage {
  /** What is stored now (unvalidated), or `null`. */
  read(): Promise<unknown>;
  /**
   * In one atomic step, stores what `change` makes of the stored value (`null` removes it, `undefined` keeps it),
   * and resolves with the value stored afterwards, once the write is visible to every tab.
   */
  update(change: (stored: unknown) => unknown): Promise<unknown>;
}

/** The shared {@link TokenStorage}: IndexedDB, or `null` where it is missing (and on the server) and the session lives in memory. */
export const TOKEN_STORAGE = new InjectionToken<TokenStorage | null>('TOKEN_STORAGE', {
  providedIn: 'root',
  factory: () => (inBrowser() && typeof indexedDB !== 'undefined' ? new IndexedDbTokenStorage(inject(AUTH_CONFIG).storageKey) : null),
});

/**
 * Wraps the shared storage in a mode's own rules (cookie mode keeps tokens out of it); `null` keeps it as it is. A
 * token rather than a flag, so an app that does not use the mode does not bundle it.
 */
export const TOKEN_STORAGE_WRAPPER = new InjectionToken<((storage: TokenStorage, channel: BroadcastChannel | null) => TokenStorage) | null>(
  'TOKEN_STORAGE_WRAPPER',
  { providedIn: 'root', factory: () => null },
);

/** The channel on which a tab tells its siblings to re-read {@link TOKEN_STORAGE}; `null` where BroadcastChannel is missing, and on the server. */
export const TOKEN_CHANNEL = new InjectionToken<BroadcastChannel | null>('TOKEN_CHANNEL', {
  providedIn: 'root',
  factory: () =>
    inBrowser() && typeof BroadcastChannel === 'function' ? new BroadcastChannel(`${inject(AUTH_CONFIG).storageKey}.changed`) : null,
});
