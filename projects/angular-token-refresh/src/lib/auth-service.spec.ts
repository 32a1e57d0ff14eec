import { HttpErrorResponse, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { MemoryStorage, flushStorage, provideAuthTesting } from 'angular-token-refresh/testing';

import { DEFAULT_AUTH_CONFIG } from './auth-config';
import { authInterceptor } from './auth-interceptor';
import { AuthEvent, AuthEvents } from './auth-events';
import { AuthService } from './auth-service';
import { TokenStore } from './token-store';
import { tokenResponseFor } from './spec-helpers/token-response-for';

const { signInUrl, refreshUrl, signOutUrl } = DEFAULT_AUTH_CONFIG;

/** The events without their tab and time stamps. */
function kinds(events: AuthEvent[]): object[] {
  return events.map(({ tab, at, ...kind }) => {
    expect(tab).toBe('test');
    expect(at).toBeGreaterThan(0);
    return kind;
  });
}

describe('AuthService', () => {
  let auth: AuthService;
  let store: TokenStore;
  let httpTesting: HttpTestingController;
  let navigate: jasmine.Spy;
  let events: AuthEvent[];
  let storage: MemoryStorage;

  beforeEach(() => {
    storage = new MemoryStorage();
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        ...provideAuthTesting(storage),
      ],
    });
    auth = TestBed.inject(AuthService);
    store = TestBed.inject(TokenStore);
    httpTesting = TestBed.inject(HttpTestingController);
    navigate = spyOn(TestBed.inject(Router), 'navigate').and.resolveTo(true);
    events = [];
    TestBed.inject(AuthEvents).events$.subscribe((event) => events.push(event));
  });

  afterEach(() => httpTesting.verify());

  function signInAs(n: number, sessionId = 's1'): void {
    store.set({ sessionId, userId: 'u1', userName: 'demo', accessToken: `at-${n}`, refreshToken: `rt-${n}` });
  }

  describe('signIn', () => {
    describe('when the credentials are accepted', () => {
      it('posts them without a bearer token and stores the returned pair', async () => {
        signInAs(0);
        await flushStorage();
        let userName: string | undefined;

        const before = Date.now();
        auth.signIn('demo', 'demo-password').subscribe((pair) => (userName = pair.userName));
        const req = httpTesting.expectOne(signInUrl);
        req.flush(tokenResponseFor(1));
        await flushStorage();
        const { expiresAt, ...pair } = store.tokens()!;

        expect(req.request.body).toEqual({ userName: 'demo', password: 'demo-password' });
        expect(req.request.headers.has('Authorization')).toBeFalse();
        expect(userName).toBe('demo');
        expect(pair).toEqual({ sessionId: jasmine.any(String), userId: 'u1', userName: 'demo', accessToken: 'at-1', refreshToken: 'rt-1' });
        expect(pair.sessionId).not.toBe('s1');
        expect(storage.value).toEqual({ ...pair, expiresAt });
        expect(expiresAt).toBeGreaterThanOrEqual(before + 300_000);
        expect(expiresAt).toBeLessThanOrEqual(Date.now() + 300_000);
        expect(kinds(events)).toEqual([{ type: 'signed-in', userName: 'demo' }]);
      });
    });

    describe('when the server answers with a body that lacks a token', () => {
      it('errors with status 200 and stores nothing', async () => {
        let error: HttpErrorResponse | undefined;

        auth.signIn('demo', 'demo-password').subscribe({ error: (e) => (error = e) });
        httpTesting.expectOne(signInUrl).flush({ ...tokenResponseFor(1), authorizationToken: undefined });
        await flushStorage();

        expect(error).toBeInstanceOf(HttpErrorResponse);
        expect(error?.status).toBe(200);
        expect(store.tokens()).toBeNull();
        expect(storage.value).toBeNull();
        expect(kinds(events)).toEqual([]);
      });
    });

    describe('when the credentials are refused', () => {
      it('errors with the 401 and stores nothing', async () => {
        let status = 0;

        auth.signIn('demo', 'wrong').subscribe({ error: (error) => (status = error.status) });
        httpTesting.expectOne(signInUrl).flush({ error: 'invalid_credentials' }, { status: 401, statusText: 'Unauthorized' });
        await flushStorage();

        expect(status).toBe(401);
        expect(store.tokens()).toBeNull();
        httpTesting.expectNone(refreshUrl);
      });
    });
  });

  describe('refreshAccessToken', () => {
    describe('when called several times while a refresh is in flight', () => {
      it('sends one refresh request and gives every caller its token', async () => {
        signInAs(1);
        await flushStorage();
        const received: string[] = [];

        auth.refreshAccessToken().subscribe((token) => received.push(token));
        auth.refreshAccessToken().subscribe((token) => received.push(token));
        await flushStorage();
        httpTesting.expectOne(refreshUrl).flush(tokenResponseFor(2));
        await flushStorage();

        expect(received).toEqual(['at-2', 'at-2']);
        expect(kinds(events)).toEqual([{ type: 'refresh-started', trigger: 'unauthorized' }, { type: 'refresh-succeeded' }]);
      });
    });

    describe('when a caller asks again the moment a refresh failed', () => {
      it('starts one new refresh that later callers join, instead of re-running the failed one behind their backs', async () => {
        signInAs(1);
        await flushStorage();
        let second: unknown;
        auth.refreshAccessToken().subscribe({
          error: () => auth.refreshAccessToken().subscribe((token) => (second = token)),
        });
        auth.refreshAccessToken().subscribe({ error: () => undefined });
        await flushStorage();

        httpTesting.expectOne(refreshUrl).flush(null, { status: 503, statusText: 'Unavailable' });
        await flushStorage();
        let third: unknown;
        auth.refreshAccessToken().subscribe((token) => (third = token));
        await flushStorage();
        httpTesting.expectOne(refreshUrl).flush(tokenResponseFor(2));
        await flushStorage();

        expect([second, third]).toEqual(['at-2', 'at-2']);
        httpTesting.expectNone(refreshUrl);
      });
    });

    describe('when the user signs out while a refresh is in flight', () => {
      it('stays signed out and retires the pair the refresh brought back', async () => {
        signInAs(1);
        await flushStorage();
        let status = 0;
        auth.refreshAccessToken().subscribe({ error: (error) => (status = error.status) });
        await flushStorage();
        const refresh = httpTesting.expectOne(refreshUrl);

        auth.signOut();
        httpTesting.expectOne(signOutUrl).flush(null, { status: 204, statusText: 'No Content' });
        await flushStorage();
        refresh.flush(tokenResponseFor(2));
        await flushStorage();

        const retire = httpTesting.expectOne(signOutUrl);
        expect(retire.request.body).toEqual({ refreshToken: 'rt-2' });
        retire.flush(null, { status: 204, statusText: 'No Content' });
        await flushStorage();
        expect(store.tokens()).toBeNull();
        expect(status).toBe(401);
        expect(navigate).toHaveBeenCalledTimes(1);
      });
    });

    describe('when the user signs in again while an old refresh is in flight', () => {
      it('keeps the new session, fails the waiters of the old one and retires the pair their refresh brought back', async () => {
        signInAs(1);
        await flushStorage();
        let token: unknown;
        let status = 0;
        auth.refreshAccessToken().subscribe({ next: (t) => (token = t), error: (error) => (status = error.status) });
        await flushStorage();
        const refresh = httpTesting.expectOne(refreshUrl);

        signInAs(7, 's2');
        await flushStorage();
        refresh.flush(tokenResponseFor(2));
        await flushStorage();

        const retire = httpTesting.expectOne(signOutUrl);
        expect(retire.request.body).toEqual({ refreshToken: 'rt-2' });
        retire.flush(null, { status: 204, statusText: 'No Content' });
        expect(store.refreshToken()).toBe('rt-7');
        expect(storage.value).toEqual(jasmine.objectContaining({ sessionId: 's2', refreshToken: 'rt-7' }));
        expect(token).toBeUndefined();
        expect(status).toBe(401);
        expect(navigate).not.toHaveBeenCalled();
      });
    });

    describe('when the server answers the refresh with a body that lacks a token', () => {
      it('fails the waiter with status 200, reports a transient failure and keeps the session', async () => {
        signInAs(1);
        await flushStorage();
        let error: HttpErrorResponse | undefined;

        auth.refreshAccessToken().subscribe({ error: (e) => (error = e) });
        await flushStorage();
        httpTesting.expectOne(refreshUrl).flush({ ...tokenResponseFor(2), refreshToken: undefined });
        await flushStorage();

        expect(error).toBeInstanceOf(HttpErrorResponse);
        expect(error?.status).toBe(200);
        expect(kinds(events)).toContain({ type: 'refresh-failed', terminal: false, status: 200 });
        expect(store.refreshToken()).toBe('rt-1');
        expect(storage.value).toEqual(jasmine.objectContaining({ refreshToken: 'rt-1' }));
        expect(navigate).not.toHaveBeenCalled();
      });
    });

    describe('when the refresh outlasts refreshTimeoutMs', () => {
      // mockDate: the refresh timeout reads the time of the last 401 that joined, so Date.now must follow the clock.
      beforeEach(() => jasmine.clock().install().mockDate());
      afterEach(() => jasmine.clock().uninstall());

      it('fails the waiter but keeps the refresh going, and adopts its late answer', async () => {
        signInAs(1);
        await flushStorage();
        let error: HttpErrorResponse | undefined;
        auth.refreshAccessToken().subscribe({ error: (e) => (error = e) });
        await flushStorage();
        const refresh = httpTesting.expectOne(refreshUrl);

        jasmine.clock().tick(DEFAULT_AUTH_CONFIG.refreshTimeoutMs + 1);
        const cancelledAtTimeout = refresh.cancelled;
        refresh.flush(tokenResponseFor(2));
        await flushStorage();

        expect(error?.statusText).toBe('Refresh timed out');
        expect(cancelledAtTimeout).toBeFalse();
        expect(store.refreshToken()).toBe('rt-2');
      });

      it('abandons a refresh with no answer after refreshAbandonMs and keeps the session', async () => {
        signInAs(1);
        await flushStorage();
        auth.refreshAccessToken().subscribe({ error: () => undefined });
        await flushStorage();
        const refresh = httpTesting.expectOne(refreshUrl);

        jasmine.clock().tick(DEFAULT_AUTH_CONFIG.refreshAbandonMs + 1);
        await flushStorage();

        expect(refresh.cancelled).toBeTrue();
        expect(store.refreshToken()).toBe('rt-1');
        expect(kinds(events)).toContain({ type: 'refresh-failed', terminal: false, status: 0 });
        auth.refreshAccessToken().subscribe();
        await flushStorage();
        httpTesting.expectOne(refreshUrl).flush(tokenResponseFor(2));
        await flushStorage();
      });
    });

    describe('when the tab was paused while its refresh was out, and resumes after refreshAbandonMs', () => {
      beforeEach(() => jasmine.clock().install().mockDate());
      afterEach(() => jasmine.clock().uninstall());

      it('takes the answer that arrived meanwhile instead of abandoning the refresh for the overdue timer', async () => {
        signInAs(1);
        await flushStorage();
        auth.refreshAccessToken().subscribe({ error: () => undefined });
        await flushStorage();
        const refresh = httpTesting.expectOne(refreshUrl);

        // Paused: the wall clock runs on and no timer fires. On resume the overdue timers run first, then the answer.
        jasmine.clock().mockDate(new Date(Date.now() + DEFAULT_AUTH_CONFIG.refreshAbandonMs + 5_000));
        jasmine.clock().tick(DEFAULT_AUTH_CONFIG.refreshAbandonMs + 1);
        await flushStorage();
        expect(refresh.cancelled).toBeFalse();
        refresh.flush(tokenResponseFor(2));
        await flushStorage();

        expect(store.refreshToken()).toBe('rt-2');
        expect(kinds(events)).toContain({ type: 'refresh-succeeded' });
        expect(kinds(events)).not.toContain({ type: 'refresh-failed', terminal: false, status: 0 });
      });
    });

    describe('when the previous refresh has settled', () => {
      it('starts a new refresh with the rotated refresh token', async () => {
        signInAs(1);
        await flushStorage();
        auth.refreshAccessToken().subscribe();
        await flushStorage();
        httpTesting.expectOne(refreshUrl).flush(tokenResponseFor(2));
        await flushStorage();

        auth.refreshAccessToken().subscribe();
        await flushStorage();

        expect(httpTesting.expectOne(refreshUrl).request.body).toEqual({ refreshToken: 'rt-2' });
      });
    });

    describe('when no refresh token is stored', () => {
      it('errors at once without calling the server, and refreshes normally after the next sign-in', async () => {
        let status = 0;

        auth.refreshAccessToken().subscribe({ error: (error) => (status = error.status) });
        await flushStorage();
        httpTesting.expectNone(refreshUrl);
        signInAs(1);
        await flushStorage();
        auth.refreshAccessToken().subscribe();
        await flushStorage();

        expect(status).toBe(401);
        httpTesting.expectOne(refreshUrl).flush(tokenResponseFor(2));
        await flushStorage();
        expect(store.refreshToken()).toBe('rt-2');
      });
    });

    describe('when the server rejects the refresh token', () => {
      it('reports a terminal failure and signs out', async () => {
        signInAs(1);
        await flushStorage();

        auth.refreshAccessToken().subscribe({ error: () => undefined });
        await flushStorage();
        httpTesting.expectOne(refreshUrl).flush({ error: 'invalid_grant' }, { status: 400, statusText: 'Bad Request' });
        await flushStorage();

        expect(kinds(events)).toContain({ type: 'refresh-failed', terminal: true, status: 400 });
        expect(kinds(events)).toContain({ type: 'signed-out', reason: 'refresh-rejected' });
        expect(store.tokens()).toBeNull();
      });
    });
  });

  describe('signOut', () => {
    describe('when signed in', () => {
      it('revokes the refresh token, clears the pair and goes to the login page without returnUrl', async () => {
        signInAs(1);
        await flushStorage();

        auth.signOut();
        const req = httpTesting.expectOne(signOutUrl);
        req.error(new ProgressEvent('error'));

        expect(req.request.body).toEqual({ refreshToken: 'rt-1' });
        expect(store.tokens()).toBeNull();
        await flushStorage();
        expect(storage.value).toBeNull();
        expect(navigate).toHaveBeenCalledOnceWith(['/login'], { queryParams: {} });
        expect(kinds(events)).toEqual([{ type: 'signed-out', reason: 'user' }]);
      });
    });

    describe('when already signed out', () => {
      it('neither calls the server nor navigates again', async () => {
        signInAs(1);
        await flushStorage();
        auth.signOut();
        httpTesting.expectOne(signOutUrl).flush(null, { status: 204, statusText: 'No Content' });
        await flushStorage();

        auth.signOut();

        httpTesting.expectNone(signOutUrl);
        expect(navigate).toHaveBeenCalledTimes(1);
      });
    });
  });
});
