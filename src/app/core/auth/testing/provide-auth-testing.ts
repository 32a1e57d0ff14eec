import { Provider } from '@angular/core';

import { AUTH_EVENT_CHANNEL, TAB_ID } from '../auth-events';
import { LOCK_MANAGER } from '../tab-lock';
import { TOKEN_STORAGE } from '../token-store';
import { MemoryStorage } from './memory-storage';

/** Isolates the auth layer in a spec: in-memory storage, no cross-tab channel, and a given lock manager (none by default). */
export function provideAuthTesting(storage: Storage = new MemoryStorage(), locks: unknown = null): Provider[] {
  return [
    { provide: TOKEN_STORAGE, useValue: storage },
    { provide: LOCK_MANAGER, useValue: locks },
    { provide: AUTH_EVENT_CHANNEL, useValue: null },
    { provide: TAB_ID, useValue: 'test' },
  ];
}
