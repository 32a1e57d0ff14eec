import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, TestRequest, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';

import { DEFAULT_AUTH_CONFIG } from './auth-config';
import { AuthEvent, AuthEvents } from './auth-events';
import { authInterceptor } from './auth-interceptor';
import { AuthService, REFRESH_LOCK } from './auth-service';
import { FakeLockManager } from './testing/fake-lock-manager';
import { MemoryStorage } from './testing/memory-storage';
import { provideAuthTesting } from './testing/provide-auth-testing';
import { TokenPair, TokenStore } from './token-store';

const { refreshUrl, storageKey } = DEFAULT_AUTH_CONFIG;
const pair = (n: number): TokenPair => ({ userId: 'u1', userName: 'demo', accessToken: `at-${n}`, refreshToken: `rt-${n}` });

/** What a sibling tab does to shared storage: write (or remove) the pair, then the browser fires `storage` here. */
function otherTabWrites(storage: Storage, value: TokenPair | null, notify = true): void {
  if (value) {
    storage.setItem(storageKey, JSON.stringify(value));
  } else {
    storage.removeItem(storageKey);
  }
  if (notify) {
    window.dispatchEvent(new StorageEvent('storage', { key: storageKey }));
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await Promise.resolve();
  }
}

function unauthorized(req: TestRequest): void {
  req.flush({ error: 'invalid_token' }, { status: 401, statusText: 'Unauthorized' });
}

describe('the auth layer across tabs', () => {
  let storage: MemoryStorage;
  let locks: FakeLockManager;
  let http: HttpClient;
  let httpTesting: HttpTestingController;
  let store: TokenStore;
  let navigate: jasmine.Spy;
  let events: AuthEvent[];

  function setUp(lockManager: FakeLockManager | null): void {
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        ...provideAuthTesting(storage, lockManager),
      ],
    });
    http = TestBed.inject(HttpClient);
    httpTesting = TestBed.inject(HttpTestingController);
    store = TestBed.inject(TokenStore);
    // The app creates AuthService at bootstrap (provideAuth), so it hears other tabs from the start.
    TestBed.inject(AuthService);
    navigate = spyOn(TestBed.inject(Router), 'navigate').and.resolveTo(true);
    events = [];
    TestBed.inject(AuthEvents).events$.subscribe((event) => events.push(event));
    store.set(pair(1));
  }

  beforeEach(() => {
    storage = new MemoryStorage();
    locks = new FakeLockManager();
  });

  afterEach(() => httpTesting.verify());

  describe('when another tab rotates while this tab waits for the refresh lock', () => {
    it('adopts the other tab\'s tokens without calling the refresh endpoint', async () => {
      setUp(locks);
      const releaseOtherTab = locks.hold(REFRESH_LOCK);
      let body: unknown;
      http.get('/api/resources').subscribe((b) => (body = b));
      unauthorized(httpTesting.expectOne('/api/resources'));

      otherTabWrites(storage, pair(2), false);
      releaseOtherTab();
      await settle();

      httpTesting.expectNone(refreshUrl);
      const retry = httpTesting.expectOne('/api/resources');
      expect(retry.request.headers.get('Authorization')).toBe('Bearer at-2');
      retry.flush('ok');
      expect(body).toBe('ok');
      expect(events.map((e) => e.type)).toContain('adopted-from-tab');
      expect(locks.requested).toEqual([REFRESH_LOCK]);
    });
  });

  describe('when another tab signs out while this tab waits for the refresh lock', () => {
    it('fails the waiting request without presenting the dead refresh token', async () => {
      setUp(locks);
      const releaseOtherTab = locks.hold(REFRESH_LOCK);
      let status = 0;
      http.get('/api/resources').subscribe({ error: (error) => (status = error.status) });
      unauthorized(httpTesting.expectOne('/api/resources'));

      otherTabWrites(storage, null);
      releaseOtherTab();
      await settle();

      httpTesting.expectNone(refreshUrl);
      expect(status).toBe(401);
      expect(navigate).toHaveBeenCalledTimes(1);
    });
  });

  describe('when no other tab holds the lock', () => {
    it('refreshes under the lock', async () => {
      setUp(locks);

      http.get('/api/resources').subscribe();
      unauthorized(httpTesting.expectOne('/api/resources'));
      await settle();
      httpTesting.expectOne(refreshUrl).flush({ ...pair(2), authorizationToken: 'at-2', tokenType: 'Bearer', expiresIn: 300 });
      httpTesting.expectOne('/api/resources').flush('ok');

      expect(locks.requested).toEqual([REFRESH_LOCK]);
      expect(store.refreshToken()).toBe('rt-2');
    });
  });

  describe('when another user signs in while this tab waits for the refresh lock', () => {
    it('fails the waiting request instead of sending it with the other user\'s token', async () => {
      setUp(locks);
      const releaseOtherTab = locks.hold(REFRESH_LOCK);
      let status = 0;
      http.get('/api/resources').subscribe({ error: (error) => (status = error.status) });
      unauthorized(httpTesting.expectOne('/api/resources'));

      otherTabWrites(storage, { ...pair(2), userId: 'u2', userName: 'bob' }, false);
      releaseOtherTab();
      await settle();

      httpTesting.expectNone(refreshUrl);
      httpTesting.expectNone('/api/resources');
      expect(status).toBe(401);
    });
  });

  describe('when another tab rotated and the refresh of this tab is then rejected', () => {
    it('re-reads storage and keeps the session instead of signing out', () => {
      setUp(null);
      let body: unknown;
      http.get('/api/resources').subscribe((b) => (body = b));
      unauthorized(httpTesting.expectOne('/api/resources'));
      const refresh = httpTesting.expectOne(refreshUrl);

      otherTabWrites(storage, pair(2), false);
      refresh.flush({ error: 'invalid_grant' }, { status: 400, statusText: 'Bad Request' });
      httpTesting.expectOne('/api/resources').flush('ok');

      expect(body).toBe('ok');
      expect(store.accessToken()).toBe('at-2');
      expect(navigate).not.toHaveBeenCalled();
    });
  });

  describe('when another tab writes a rotated pair', () => {
    it('updates this tab\'s signals, so the next request carries the new token', () => {
      setUp(null);

      otherTabWrites(storage, pair(2));
      http.get('/api/resources').subscribe();

      expect(store.accessToken()).toBe('at-2');
      expect(httpTesting.expectOne('/api/resources').request.headers.get('Authorization')).toBe('Bearer at-2');
    });
  });

  describe('when another tab signs out', () => {
    it('sends this tab to the login page once, with returnUrl', () => {
      setUp(null);

      otherTabWrites(storage, null);
      otherTabWrites(storage, null);

      expect(store.tokens()).toBeNull();
      expect(navigate).toHaveBeenCalledOnceWith(['/login'], { queryParams: { returnUrl: '/' } });
      expect(events.filter((e) => e.type === 'signed-out')).toEqual([jasmine.objectContaining({ reason: 'other-tab' })]);
    });
  });

  describe('when a storage event is about another key', () => {
    it('ignores it', () => {
      setUp(null);
      storage.setItem(storageKey, JSON.stringify(pair(3)));

      window.dispatchEvent(new StorageEvent('storage', { key: 'something-else' }));

      expect(store.accessToken()).toBe('at-1');
    });
  });
});
