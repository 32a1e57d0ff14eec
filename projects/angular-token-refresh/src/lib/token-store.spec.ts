import { TestBed } from '@angular/core/testing';
import { MemoryStorage, SiblingTab, provideAuthTesting } from 'angular-token-refresh/testing';

import { MAX_TOKEN_LENGTH, TokenPair } from './token-pair';
import { TokenStore } from './token-store';

const PAIR: TokenPair = { sessionId: 's1', userId: 'u1', userName: 'demo', accessToken: 'at-1', refreshToken: 'rt-1' };
const ROTATED: TokenPair = { ...PAIR, accessToken: 'at-2', refreshToken: 'rt-2' };

describe('TokenStore', () => {
  let storage: MemoryStorage;
  let sibling: SiblingTab;
  let store: TokenStore;
  let ended: number;

  beforeEach(() => {
    storage = new MemoryStorage();
    sibling = new SiblingTab(storage);
    TestBed.configureTestingModule({ providers: [...provideAuthTesting(storage), sibling.provider()] });
    store = TestBed.inject(TokenStore);
    ended = 0;
    store.sessionEnded$.subscribe(() => ended++);
  });

  describe('when storage holds a complete pair', () => {
    it('is signed in with it once loaded', async () => {
      storage.value = PAIR;

      const loaded = await store.reload();

      expect(loaded).toEqual(PAIR);
      expect(store.accessToken()).toBe('at-1');
      expect(store.refreshToken()).toBe('rt-1');
    });
  });

  describe('when storage holds a missing, corrupt or unsendable entry', () => {
    const entries: readonly [string, unknown][] = [
      ['nothing', null],
      ['a string', '{"accessToken":'],
      ['a number', 42],
      ['an array', [PAIR]],
      ['no session id', { ...PAIR, sessionId: undefined }],
      ['no refresh token', { ...PAIR, refreshToken: undefined }],
      ['a numeric user id', { ...PAIR, userId: 42 }],
      ['an access token with a non-ASCII character', { ...PAIR, accessToken: 'at-ü' }],
      ['an access token with a space', { ...PAIR, accessToken: 'at 1' }],
      ['a refresh token with a line break', { ...PAIR, refreshToken: 'rt\r\nX-Evil: 1' }],
      [`an access token longer than ${MAX_TOKEN_LENGTH} characters`, { ...PAIR, accessToken: 'a'.repeat(MAX_TOKEN_LENGTH + 1) }],
      ['a 3 MB refresh token', { ...PAIR, refreshToken: 'r'.repeat(3_000_000) }],
      ['a __proto__ key', JSON.parse('{"__proto__": {"accessToken": "at-1"}}')],
    ];
    for (const [name, value] of entries) {
      it(`is signed out on ${name}`, async () => {
        storage.value = value;

        await store.reload();

        expect(store.tokens()).toBeNull();
        expect(store.accessToken()).toBeNull();
      });
    }

    it('keeps the session of an entry whose access token is empty (not known yet), with no access token to send', async () => {
      storage.value = { ...PAIR, accessToken: '' };

      await store.reload();

      expect(store.tokens()).toEqual({ ...PAIR, accessToken: '' });
      expect(store.accessToken()).toBeNull();
      expect(store.refreshToken()).toBe('rt-1');
    });

    it(`keeps a token of exactly ${MAX_TOKEN_LENGTH} visible ASCII characters`, async () => {
      storage.value = { ...PAIR, accessToken: '~'.repeat(MAX_TOKEN_LENGTH) };

      await store.reload();

      expect(store.accessToken()?.length).toBe(MAX_TOKEN_LENGTH);
    });
  });

  describe('when a pair is set and then cleared', () => {
    it('shows each at once, persists each, and pings the other tabs each time', async () => {
      void store.set(PAIR);
      expect(store.tokens()).toEqual(PAIR);
      await store.reload();
      const persisted = storage.value;

      void store.clear();
      expect(store.tokens()).toBeNull();
      await store.reload();

      expect(persisted).toEqual(PAIR);
      expect(storage.value).toBeNull();
      expect(sibling.pings).toBe(2);
    });
  });

  describe('when storage refuses writes', () => {
    it("keeps the pair in this tab's memory without throwing", async () => {
      storage.failWrites = true;

      const applied = await store.set(PAIR);

      expect(applied).toBeTrue();
      expect(store.tokens()).toEqual(PAIR);
    });
  });

  describe('replace', () => {
    it('stores the rotation when storage still holds the expected refresh token', async () => {
      await store.set(PAIR);

      const applied = await store.replace(PAIR, ROTATED);

      expect(applied).toBeTrue();
      expect(storage.value).toEqual(ROTATED);
      expect(store.tokens()).toEqual(ROTATED);
    });

    it("refuses when another tab rotated first, and shows that tab's pair", async () => {
      await store.set(PAIR);
      sibling.write(ROTATED, false);

      const applied = await store.replace(PAIR, { ...PAIR, accessToken: 'at-x', refreshToken: 'rt-x' });

      expect(applied).toBeFalse();
      expect(storage.value).toEqual(ROTATED);
      expect(store.tokens()).toEqual(ROTATED);
      expect(ended).toBe(0);
    });

    it('refuses to sign out a session another tab signed in meanwhile', async () => {
      await store.set(PAIR);
      const other = { ...ROTATED, sessionId: 's2', userId: 'u2', userName: 'alice' };
      sibling.write(other, false);

      const applied = await store.replace(PAIR, null);

      expect(applied).toBeFalse();
      expect(storage.value).toEqual(other);
      expect(ended).toBe(1);
    });
  });

  describe('when another tab writes and pings', () => {
    it('follows a rotation of the same session without ending it', async () => {
      await store.set(PAIR);

      sibling.write(ROTATED);
      await store.reload();

      expect(store.tokens()).toEqual(ROTATED);
      expect(ended).toBe(0);
    });

    it('reports the session ended when the other tab signed out', async () => {
      await store.set(PAIR);

      sibling.write(null);
      await store.reload();

      expect(store.tokens()).toBeNull();
      expect(ended).toBe(1);
    });

    it('reports the session ended when it missed a sign-out and sees the next sign-in, even as the same user', async () => {
      await store.set(PAIR);

      sibling.write({ ...ROTATED, sessionId: 's2' });
      await store.reload();

      expect(store.tokens()?.sessionId).toBe('s2');
      expect(ended).toBe(1);
    });
  });

  describe('when a re-read was asked for before a write of this tab', () => {
    it('never lets the older stored value undo the write', async () => {
      storage.value = PAIR;
      const reload = store.reload();

      const cleared = store.clear();
      await reload;
      expect(store.tokens()).toBeNull();
      await cleared;

      expect(storage.value).toBeNull();
      expect(ended).toBe(0);
    });
  });

  describe('compareStored', () => {
    it("tells the same pair, a sibling's rotation, another session and a sign-out apart, as storage holds them now", async () => {
      await store.set(PAIR);
      const same = await store.compareStored(PAIR);
      sibling.write(ROTATED, false);
      const rotated = await store.compareStored(PAIR);
      sibling.write({ ...ROTATED, sessionId: 's2', userId: 'u2', userName: 'alice' }, false);
      const other = await store.compareStored(PAIR);
      sibling.write(null, false);
      const signedOut = await store.compareStored(PAIR);

      expect([same, rotated, other, signedOut]).toEqual([
        { kind: 'same', pair: PAIR },
        { kind: 'rotated', pair: ROTATED },
        { kind: 'other-session' },
        { kind: 'signed-out' },
      ]);
    });
  });
});
