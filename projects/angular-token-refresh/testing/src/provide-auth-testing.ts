import { Provider } from '@angular/core';

import {
  AUTH_EVENT_CHANNEL,
  LOCK_MANAGER,
  TAB_ID,
  TOKEN_CHANNEL,
  TOKEN_STORAGE,
  TabLockManager,
  ɵAUTH_CONFIGURED,
} from 'angular-token-refresh';

import { MemoryStorage } from './memory-storage';

/** Isolates the auth layer in a spec: in-memory storage, no cross-tab channels, and a given lock manager (none by default). */
export function provideAuthTesting(storage: MemoryStorage = new MemoryStorage(), locks: TabLockManager | null = null): Provider[] {
  return [
    { provide: TOKEN_STORAGE, useValue: storage },
    { provide: TOKEN_CHANNEL, useValue: null },
    { provide: LOCK_MANAGER, useValue: locks },
    { provide: AUTH_EVENT_CHANNEL, useValue: null },
    { provide: TAB_ID, useValue: 'test' },
    // Specs that test the interceptor alone leave provideAuth out on purpose: no development warning for them.
    { provide: ɵAUTH_CONFIGURED, useValue: true },
  ];
}
