import { TestBed } from '@angular/core/testing';

import { DEFAULT_AUTH_CONFIG } from './auth-config';
import { MemoryStorage } from './testing/memory-storage';
import { TokenPair, TokenStore } from './token-store';
import { provideAuthTesting } from './testing/provide-auth-testing';

const KEY = DEFAULT_AUTH_CONFIG.storageKey;
const PAIR: TokenPair = { userId: 'u1', userName: 'demo', accessToken: 'at-1', refreshToken: 'rt-1' };

describe('TokenStore', () => {
  let storage: MemoryStorage;

  function createStore(): TokenStore {
    TestBed.configureTestingModule({ providers: [...provideAuthTesting(storage)] });
    return TestBed.inject(TokenStore);
  }

  beforeEach(() => (storage = new MemoryStorage()));

  describe('when storage holds a complete pair', () => {
    it('starts signed in with it', () => {
      storage.setItem(KEY, JSON.stringify(PAIR));

      const store = createStore();

      expect(store.tokens()).toEqual(PAIR);
      expect(store.accessToken()).toBe('at-1');
      expect(store.refreshToken()).toBe('rt-1');
    });
  });

  describe('when storage holds a missing, corrupt or partial entry', () => {
    const entries: readonly [string, string | null][] = [
      ['nothing', null],
      ['broken JSON', '{"accessToken":'],
      ['a JSON string', '"at-1"'],
      ['JSON null', 'null'],
      ['no refresh token', JSON.stringify({ ...PAIR, refreshToken: undefined })],
      ['an empty access token', JSON.stringify({ ...PAIR, accessToken: '' })],
      ['a numeric user id', JSON.stringify({ ...PAIR, userId: 42 })],
    ];
    for (const [name, raw] of entries) {
      it(`starts signed out on ${name}`, () => {
        if (raw !== null) {
          storage.setItem(KEY, raw);
        }

        const store = createStore();

        expect(store.tokens()).toBeNull();
        expect(store.accessToken()).toBeNull();
      });
    }
  });

  describe('when a pair is set and then cleared', () => {
    it('persists the pair, then removes it', () => {
      const store = createStore();

      store.set(PAIR);
      const persisted = JSON.parse(storage.getItem(KEY) ?? 'null');
      store.clear();

      expect(persisted).toEqual(PAIR);
      expect(storage.getItem(KEY)).toBeNull();
      expect(store.tokens()).toBeNull();
    });
  });

  describe('when storage refuses writes', () => {
    it('keeps the pair in memory without throwing', () => {
      storage.failWrites = true;
      const store = createStore();

      store.set(PAIR);

      expect(store.tokens()).toEqual(PAIR);
    });
  });

  describe('when another tab changed storage', () => {
    it('adopts the stored pair on reload', () => {
      const store = createStore();
      store.set(PAIR);
      const rotated = { ...PAIR, accessToken: 'at-2', refreshToken: 'rt-2' };
      storage.setItem(KEY, JSON.stringify(rotated));

      const reloaded = store.reload();

      expect(reloaded).toEqual(rotated);
      expect(store.accessToken()).toBe('at-2');
    });
  });

  describe('setAccessToken', () => {
    it('replaces only the access token', () => {
      const store = createStore();
      store.set(PAIR);

      store.setAccessToken('broken');

      expect(store.tokens()).toEqual({ ...PAIR, accessToken: 'broken' });
    });
  });
});
