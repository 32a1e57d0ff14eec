import { HttpClient, HttpErrorResponse, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, TestRequest, provideHttpClientTesting } from '@angular/common/http/testing';
import { NgZone } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { FakeLockManager, MemoryStorage, SiblingTab, flushStorage, provideAuthTesting } from 'angular-token-refresh/testing';

import { DEFAULT_AUTH_CONFIG, provideAuthConfig } from './auth-config';
import { AuthEvent, AuthEvents } from './auth-events';
import { authInterceptor } from './auth-interceptor';
import { AuthService } from './auth-service';
import { REFRESH_LOCK } from './token-rotation';
import { answerInSendingZone, appHttpClient, expectInAngularZone, provideRunChangeDetection } from './spec-helpers/app-zone';
import { AUTH_MODES } from './spec-helpers/auth-modes';
import { TokenPair } from './token-pair';
import { TokenStore } from './token-store';

const { refreshUrl, signOutUrl } = DEFAULT_AUTH_CONFIG;
const LOCK_WAIT_MS = 75_000;
const pair = (n: number): TokenPair => ({
  sessionId: 's1',
  userId: 'u1',
  userName: 'demo',
  accessToken: `at-${n}`,
  refreshToken: `rt-${n}`,
});
const alice: TokenPair = { sessionId: 's2', userId: 'u2', userName: 'alice', accessToken: 'at-alice', refreshToken: 'rt-alice' };

function unauthorized(req: TestRequest): void {
  req.flush({ error: 'invalid_token' }, { status: 401, statusText: 'Unauthorized' });
}

for (const mode of AUTH_MODES) {
  describe(`the auth layer across tabs (${mode.name})`, () => {
    let storage: MemoryStorage;
    let sibling: SiblingTab;
    let locks: FakeLockManager;
    let http: HttpClient;
    let httpTesting: HttpTestingController;
    let store: TokenStore;
    let navigate: jasmine.Spy;
    let events: AuthEvent[];

    async function setUp(lockManager: FakeLockManager | null): Promise<void> {
      TestBed.configureTestingModule({
        providers: [
          provideRouter([]),
          provideHttpClient(withInterceptors([authInterceptor, answerInSendingZone])),
          provideHttpClientTesting(),
          provideAuthConfig({ lockWaitMs: LOCK_WAIT_MS }),
          ...provideAuthTesting(storage, lockManager),
          provideRunChangeDetection(),
          ...mode.providers(),
          sibling.provider(),
        ],
      });
      http = appHttpClient();
      httpTesting = TestBed.inject(HttpTestingController);
      store = TestBed.inject(TokenStore);
      // The app creates AuthService at bootstrap (provideAuth), so it hears other tabs from the start.
      TestBed.inject(AuthService);
      navigate = spyOn(TestBed.inject(Router), 'navigate').and.callFake(async () => {
        expectInAngularZone('the navigation of a session end');
        return true;
      });
      events = [];
      TestBed.inject(AuthEvents).events$.subscribe((event) => {
        expectInAngularZone(`the event ${event.type}`);
        events.push(event);
      });
      await store.set(pair(1));
    }

    /** Sends `n` GETs and returns how each ended. */
    function sendMany(n: number): { body?: unknown; status?: number }[] {
      const results: { body?: unknown; status?: number }[] = [];
      for (let i = 0; i < n; i++) {
        results.push({});
        http.get(`/api/resources?n=${i}`).subscribe({
          next: (body) => (results[i].body = body),
          error: (error: HttpErrorResponse) => (results[i].status = error.status),
        });
      }
      return results;
    }

    function resources(): TestRequest[] {
      return httpTesting.match((req) => req.url.startsWith('/api/resources'));
    }

    beforeEach(() => {
      storage = new MemoryStorage();
      sibling = mode.sibling(storage);
      locks = new FakeLockManager();
    });

    afterEach(() => httpTesting.verify());

    describe('when another tab rotated, and its ping has not arrived, by the time this tab gets the lock', () => {
      it('adopts the stored rotation without calling the refresh endpoint', async () => {
        await setUp(locks);
        const releaseOtherTab = locks.hold(REFRESH_LOCK);
        const results = sendMany(3);
        resources().forEach(unauthorized);

        sibling.write(pair(2), false);
        releaseOtherTab();
        await flushStorage();

        httpTesting.expectNone(refreshUrl);
        const retries = resources();
        expect(retries.map((req) => req.request.headers.get('Authorization'))).toEqual(['Bearer at-2', 'Bearer at-2', 'Bearer at-2']);
        retries.forEach((req) => req.flush('ok'));
        expect(results.map((result) => result.body)).toEqual(['ok', 'ok', 'ok']);
        expect(events.map((e) => e.type)).toContain('adopted-from-tab');
        expect(locks.requested).toEqual([REFRESH_LOCK]);
      });
    });

    describe('when no other tab holds the lock', () => {
      it('refreshes under the lock, and commits the rotation to storage before letting go of it', async () => {
        await setUp(locks);
        let storedAtRelease: unknown;
        const request = locks.request.bind(locks);
        spyOn(locks, 'request').and.callFake(((name: string, options: LockOptions, callback: LockGrantedCallback<unknown>) =>
          request(name, options, async (lock) => {
            await callback(lock);
            storedAtRelease = storage.value;
          })) as LockManager['request']);

        sendMany(1);
        unauthorized(httpTesting.expectOne('/api/resources?n=0'));
        await flushStorage();
        httpTesting.expectOne(refreshUrl).flush(mode.answer(2));
        await flushStorage();
        httpTesting.expectOne('/api/resources?n=0').flush('ok');

        expect(storedAtRelease).toEqual(jasmine.objectContaining({ sessionId: 's1', refreshToken: 'rt-2' }));
        expect(store.refreshToken()).toBe('rt-2');
      });
    });

    describe('when another tab signs out while this tab waits for the refresh lock', () => {
      it('fails the waiting requests without presenting the dead refresh token, and leaves once', async () => {
        await setUp(locks);
        const releaseOtherTab = locks.hold(REFRESH_LOCK);
        const results = sendMany(2);
        resources().forEach(unauthorized);

        sibling.write(null, false);
        releaseOtherTab();
        await flushStorage();

        httpTesting.expectNone(refreshUrl);
        expect(results.map((result) => result.status)).toEqual([401, 401]);
        expect(navigate).toHaveBeenCalledTimes(1);
      });
    });

    describe("when another tab signs out and in as another user while this tab's refresh is pending", () => {
      it("fails the waiting requests, sends none with the new user's token, and keeps the new session", async () => {
        await setUp(locks);
        const results = sendMany(5);
        resources().forEach(unauthorized);
        await flushStorage();
        const refresh = httpTesting.expectOne(refreshUrl);

        // This tab is paused meanwhile, so it hears neither the sign-out nor the sign-in.
        sibling.write(null, false);
        sibling.write(alice, false);
        refresh.flush(mode.answer(2));
        await flushStorage();

        expect(resources()).toEqual([]);
        expect(results.map((result) => result.status)).toEqual([401, 401, 401, 401, 401]);
        expect(storage.value).toEqual(mode.stored(alice));
        expect(store.tokens()).toEqual(alice);
        // Its session ended: this tab leaves, and retires the rotation that the sign-out made worthless.
        expect(navigate).toHaveBeenCalledTimes(1);
        expect(events.filter((e) => e.type === 'signed-out')).toEqual([jasmine.objectContaining({ reason: 'other-tab' })]);
        const logout = httpTesting.expectOne(signOutUrl);
        expect(logout.request.body).toEqual(mode.presented('rt-2'));
        logout.flush(null, { status: 204, statusText: 'No Content' });
      });

      it("does not sign the new user out when the server rejects this tab's refresh", async () => {
        await setUp(locks);
        const results = sendMany(2);
        resources().forEach(unauthorized);
        await flushStorage();
        const refresh = httpTesting.expectOne(refreshUrl);

        sibling.write(alice, false);
        refresh.flush({ error: 'invalid_grant' }, { status: 400, statusText: 'Bad Request' });
        await flushStorage();

        expect(resources()).toEqual([]);
        expect(results.map((result) => result.status)).toEqual([400, 400]);
        expect(storage.value).toEqual(mode.stored(alice));
      });
    });

    describe('when another user signed in while this tab waited for the lock', () => {
      it("fails the waiting requests instead of sending them with the other user's token", async () => {
        await setUp(locks);
        const releaseOtherTab = locks.hold(REFRESH_LOCK);
        const results = sendMany(3);
        resources().forEach(unauthorized);

        sibling.write(alice, false);
        releaseOtherTab();
        await flushStorage();

        httpTesting.expectNone(refreshUrl);
        expect(resources()).toEqual([]);
        expect(results.map((result) => result.status)).toEqual([401, 401, 401]);
        expect(storage.value).toEqual(mode.stored(alice));
      });
    });

    describe('when the lock holder is paused past lockWaitMs', () => {
      // mockDate: the refresh timeout reads the time of the last 401 that joined, so Date.now must follow the clock.
      beforeEach(() => jasmine.clock().install().mockDate());
      afterEach(() => jasmine.clock().uninstall());

      it('sends no refresh, fails the waiting requests transiently, keeps the session, and refreshes on the next 401', async () => {
        await setUp(locks);
        const releaseOtherTab = locks.hold(REFRESH_LOCK);
        const results = sendMany(2);
        resources().forEach(unauthorized);
        await flushStorage();

        // Waiters stop waiting after refreshTimeoutMs; the refresh itself waits for the lock until lockWaitMs.
        jasmine.clock().tick(LOCK_WAIT_MS + 1);
        await flushStorage();

        httpTesting.expectNone(refreshUrl);
        expect(results.map((result) => result.status)).toEqual([0, 0]);
        expect(store.tokens()).toEqual(pair(1));
        expect(storage.value).toEqual(mode.stored(pair(1)));
        expect(navigate).not.toHaveBeenCalled();
        expect(events.map((e) => e.type)).toContain('lock-wait-timed-out');

        releaseOtherTab();
        const later = sendMany(1);
        unauthorized(httpTesting.expectOne('/api/resources?n=0'));
        await flushStorage();
        httpTesting.expectOne(refreshUrl).flush(mode.answer(2));
        await flushStorage();
        httpTesting.expectOne('/api/resources?n=0').flush('ok');
        expect(later[0].body).toBe('ok');
      });
    });

    // Cookie mode names the attempt with the rotation's id, which cookie-mode.spec.ts covers.
    if (mode.notesAttempts)
      describe('Refresh-Attempt', () => {
        /** Sends one request, refuses it, and returns the refresh it started. */
        async function refreshAfter401(): Promise<TestRequest> {
          http.get('/api/resources').subscribe({ error: () => undefined });
          unauthorized(httpTesting.expectOne('/api/resources'));
          await flushStorage();
          return httpTesting.expectOne(refreshUrl);
        }

        it('names every refresh with an attempt id that is stored before the refresh leaves', async () => {
          await setUp(locks);

          const refresh = await refreshAfter401();

          const attempt = refresh.request.headers.get('Refresh-Attempt');
          expect(attempt).toMatch(/^[0-9a-f]{32}$/);
          expect(storage.value).toEqual(mode.stored({ ...pair(1), attempt: attempt! }));
          refresh.flush(mode.answer(2));
          await flushStorage();
          httpTesting.expectOne('/api/resources').flush('ok');
        });

        it('presents the same token with the same attempt after a transient failure, and a new one after a rotation', async () => {
          await setUp(locks);
          const first = await refreshAfter401();
          first.error(new ProgressEvent('error'));
          await flushStorage();

          const second = await refreshAfter401();
          second.flush(mode.answer(2));
          await flushStorage();
          httpTesting.expectOne('/api/resources').flush('ok');
          await store.replace(store.tokens()!, { ...store.tokens()!, accessToken: 'at-refused' });
          const third = await refreshAfter401();

          expect(second.request.headers.get('Refresh-Attempt')).toBe(first.request.headers.get('Refresh-Attempt'));
          expect(third.request.headers.get('Refresh-Attempt')).not.toBe(first.request.headers.get('Refresh-Attempt'));
          third.flush(mode.answer(3));
          await flushStorage();
          httpTesting.expectOne('/api/resources').flush('ok');
        });

        it('names the attempt that another tab, or this one before a reload, stored for the same token', async () => {
          await setUp(locks);
          const stored = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';
          sibling.write({ ...pair(1), attempt: stored });
          await flushStorage();

          const refresh = await refreshAfter401();

          expect(refresh.request.headers.get('Refresh-Attempt')).toBe(stored);
          refresh.flush(mode.answer(2));
          await flushStorage();
          httpTesting.expectOne('/api/resources').flush('ok');
        });
      });

    describe('when the refresh answers 200 with a body that lacks the promised fields', () => {
      const bodies: readonly [string, object | string][] = [
        ['an empty object', {}],
        ['no refresh token', { ...mode.answer(2), refreshToken: undefined }],
        ['an access token with a non-ASCII character', { ...mode.answer(2), authorizationToken: 'at-ü' }],
        ['an access token of 100 kB', { ...mode.answer(2), authorizationToken: 'a'.repeat(100_000) }],
        ['a negative lifetime', { ...mode.answer(2), expiresIn: -1 }],
        ['text', 'ok'],
      ];
      for (const [name, body] of bodies) {
        it(`fails the waiting requests transiently and keeps the current pair on ${name}`, async () => {
          await setUp(locks);
          const results = sendMany(2);
          resources().forEach(unauthorized);
          await flushStorage();

          const refresh = httpTesting.expectOne(refreshUrl);
          refresh.flush(body);
          await flushStorage();

          expect(resources()).toEqual([]);
          expect(results.map((result) => result.status)).toEqual([200, 200]);
          expect(store.tokens()).toEqual(pair(1));
          // The pair is kept with the attempt it was presented under, for the next try to name again.
          const attempt = refresh.request.headers.get('Refresh-Attempt')!;
          expect(storage.value).toEqual(mode.stored(mode.notesAttempts ? { ...pair(1), attempt } : pair(1)));
          expect(navigate).not.toHaveBeenCalled();
          expect(events.filter((e) => e.type === 'refresh-failed')).toEqual([jasmine.objectContaining({ terminal: false, status: 200 })]);
        });
      }
    });

    describe("without Web Locks, when another tab rotated and this tab's refresh is then rejected", () => {
      it('re-reads storage and keeps the session instead of signing out', async () => {
        await setUp(null);
        let body: unknown;
        http.get('/api/resources').subscribe((b) => (body = b));
        unauthorized(httpTesting.expectOne('/api/resources'));
        await flushStorage();
        const refresh = httpTesting.expectOne(refreshUrl);

        sibling.write(pair(2), false);
        refresh.flush({ error: 'invalid_grant' }, { status: 400, statusText: 'Bad Request' });
        await flushStorage();
        httpTesting.expectOne('/api/resources').flush('ok');

        expect(body).toBe('ok');
        expect(store.accessToken()).toBe('at-2');
        expect(navigate).not.toHaveBeenCalled();
      });
    });

    describe('without Web Locks, when a request sent outside the Angular zone starts the refresh', () => {
      it('retries the requests made inside the zone from inside it, so their answers reach the app there', async () => {
        await setUp(null);
        let body: unknown;
        // A poll that the app runs outside the zone (to stay stable) is refused first, so it starts the refresh there.
        TestBed.inject(NgZone).runOutsideAngular(() => TestBed.inject(HttpClient).get('/api/resources?poll').subscribe());
        http.get('/api/resources').subscribe((b) => (body = b));
        const [poll, request] = resources();
        unauthorized(poll);
        unauthorized(request);
        await flushStorage();

        httpTesting.expectOne(refreshUrl).flush(mode.answer(2));
        await flushStorage();
        resources().forEach((retry) => retry.flush('ok'));

        expect(body).toBe('ok');
      });
    });

    describe('when another tab writes a rotated pair and pings', () => {
      it("updates this tab's signals, so the next request carries the new token", async () => {
        await setUp(null);

        sibling.write(pair(2));
        await flushStorage();
        http.get('/api/resources').subscribe();

        expect(store.accessToken()).toBe('at-2');
        expect(httpTesting.expectOne('/api/resources').request.headers.get('Authorization')).toBe('Bearer at-2');
      });
    });

    describe('when another tab signs out and pings twice', () => {
      it('sends this tab to the login page once, with returnUrl', async () => {
        await setUp(null);

        sibling.write(null);
        sibling.write(null);
        await flushStorage();

        expect(store.tokens()).toBeNull();
        expect(navigate).toHaveBeenCalledOnceWith(['/login'], { queryParams: { returnUrl: '/' } });
        expect(events.filter((e) => e.type === 'signed-out')).toEqual([jasmine.objectContaining({ reason: 'other-tab' })]);
      });
    });
  });
}
