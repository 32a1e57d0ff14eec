import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ApplicationInitStatus } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { MemoryStorage, SiblingTab, flushStorage, provideAuthTesting } from 'angular-token-refresh/testing';
import { firstValueFrom } from 'rxjs';

import { DEFAULT_AUTH_CONFIG } from './auth-config';
import { CookieTokenStorage } from './cookie-token-storage';
import { authInterceptor } from './auth-interceptor';
import { AuthService } from './auth-service';
import { provideAuth, withRefreshTokenCookie } from './provide-auth';
import { tokenResponseFor } from './spec-helpers/token-response-for';
import { TokenStore } from './token-store';

const { signInUrl, refreshUrl, signOutUrl } = DEFAULT_AUTH_CONFIG;

/** The bundled server's answer in cookie mode: no refresh token in the body (it is in the Set-Cookie header). */
function cookieAnswer(n: number): object {
  const { refreshToken: _refreshToken, ...body } = tokenResponseFor(n);
  return body;
}

describe('withRefreshTokenCookie (cookie mode)', () => {
  let storage: MemoryStorage;
  let sibling: SiblingTab;
  let httpTesting: HttpTestingController;

  /** Boots a tab on `storage`, as a page load does: provideAuth's initializer runs, and may need an answer. */
  function bootTab(): void {
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideAuth({}, withRefreshTokenCookie()),
        ...provideAuthTesting(storage),
        sibling.provider(),
      ],
    });
    httpTesting = TestBed.inject(HttpTestingController);
    spyOn(TestBed.inject(Router), 'navigate').and.resolveTo(true);
  }

  beforeEach(() => {
    storage = new MemoryStorage();
    sibling = new SiblingTab(storage, { cookieMode: true });
  });

  afterEach(() => httpTesting.verify());

  it('asks for the cookie at sign-in, with credentials, and stores no token, only the session and a random rotation id', async () => {
    bootTab();
    await TestBed.inject(ApplicationInitStatus).donePromise;
    const signedIn = firstValueFrom(TestBed.inject(AuthService).signIn('demo', 'demo-password'));
    const signIn = httpTesting.expectOne(signInUrl);
    expect(signIn.request.headers.get('Refresh-Token-Transport')).toBe('cookie');
    expect(signIn.request.withCredentials).toBeTrue();
    signIn.flush(cookieAnswer(1));
    await signedIn;

    const stored = storage.value as Record<string, unknown>;
    expect(Object.keys(stored).sort()).toEqual(['expiresAt', 'refreshToken', 'sessionId', 'userId', 'userName']);
    expect(stored['refreshToken']).toMatch(/^[0-9a-f]{24}$/);
    expect(JSON.stringify(stored)).not.toContain('at-1');
    expect(TestBed.inject(TokenStore).accessToken()).toBe('at-1');
    // One message tells the other tabs: the pair itself, with no extra ping to make them read storage again.
    expect(sibling.pings).toBe(1);
  });

  it('refreshes with an empty body from the cookie, with keepalive, and gives every rotation a new id', async () => {
    bootTab();
    await TestBed.inject(ApplicationInitStatus).donePromise;
    const auth = TestBed.inject(AuthService);
    await auth.startSession({ accessToken: 'at-1', refreshToken: 'first', expiresIn: 300 });
    const before = (storage.value as { refreshToken: string }).refreshToken;

    const result = firstValueFrom(TestBed.inject(HttpClient).get('/api/data'));
    httpTesting.expectOne('/api/data').flush(null, { status: 401, statusText: 'Unauthorized' });
    await flushStorage();
    const refresh = httpTesting.expectOne(refreshUrl);
    expect(refresh.request.body).toEqual({});
    expect(refresh.request.keepalive).toBeTrue();
    expect(refresh.request.headers.get('Refresh-Attempt')).toBe(before);
    expect(refresh.request.withCredentials).toBeTrue();
    expect(refresh.request.headers.get('Refresh-Token-Transport')).toBe('cookie');
    refresh.flush(cookieAnswer(2));
    await flushStorage();
    httpTesting.expectOne('/api/data').flush('data');

    expect(await result).toBe('data');
    expect((storage.value as { refreshToken: string }).refreshToken).not.toBe(before);
    expect(JSON.stringify(storage.value)).not.toContain('at-2');
  });

  it('refuses a server that puts the refresh token in the body anyway, and stores nothing', async () => {
    bootTab();
    await TestBed.inject(ApplicationInitStatus).donePromise;
    const signedIn = firstValueFrom(TestBed.inject(AuthService).signIn('demo', 'demo-password'));
    httpTesting.expectOne(signInUrl).flush(tokenResponseFor(1));

    await expectAsync(signedIn).toBeRejectedWith(jasmine.objectContaining({ status: 200, statusText: 'Malformed token response' }));
    expect(storage.value).toBeNull();
  });

  it('signs out with an empty body, so the server clears the cookie, and forgets the session here and in every tab', async () => {
    bootTab();
    await TestBed.inject(ApplicationInitStatus).donePromise;
    const auth = TestBed.inject(AuthService);
    await auth.startSession({ accessToken: 'at-1', refreshToken: 'first' });
    const pingsBefore = sibling.pings;

    auth.signOut();
    const logout = httpTesting.expectOne(signOutUrl);
    expect(logout.request.body).toEqual({});
    expect(logout.request.headers.get('Refresh-Token-Transport')).toBe('cookie');
    logout.flush(null, { status: 204, statusText: 'No Content' });
    await flushStorage();
    expect(storage.value).toBeNull();
    // The other tabs hear of it, and re-read storage to find it empty.
    expect(sibling.pings).toBe(pingsBefore + 1);
  });

  describe('when a tab loads with a session stored', () => {
    const record = { sessionId: 's1', userId: 'u1', userName: 'demo', refreshToken: 'rot-1', expiresAt: Date.now() + 300_000 };

    /** Boots a tab on the stored record with no sibling to answer, and waits out the ask; `done` is bootstrap's end. */
    async function bootWithoutSiblings(): Promise<{ done: Promise<unknown> }> {
      storage.value = record;
      bootTab();
      const done = TestBed.inject(ApplicationInitStatus).donePromise;
      await new Promise((resolve) => setTimeout(resolve, 400));
      await flushStorage();
      // Wrapped: an async function would wait for a promise it returns, and bootstrap waits for the refresh.
      return { done };
    }

    it('takes the access token from a sibling that answers, with no refresh call', async () => {
      sibling.write({ ...record, accessToken: 'at-1' }, false);
      bootTab();
      await TestBed.inject(ApplicationInitStatus).donePromise;

      httpTesting.expectNone(refreshUrl);
      expect(TestBed.inject(TokenStore).accessToken()).toBe('at-1');
    });

    it('recovers the access token with one refresh before bootstrap ends when no sibling answers', async () => {
      const { done } = await bootWithoutSiblings();

      httpTesting.expectOne(refreshUrl).flush(cookieAnswer(1));
      await done;
      expect(TestBed.inject(TokenStore).accessToken()).toBe('at-1');
      expect(TestBed.inject(TokenStore).tokens()?.userName).toBe('demo');
    });

    it('ends bootstrap signed out when the server refuses the cookie', async () => {
      const { done } = await bootWithoutSiblings();

      httpTesting.expectOne(refreshUrl).flush({ error: 'invalid_grant' }, { status: 400, statusText: 'Bad Request' });
      await done;
      expect(TestBed.inject(TokenStore).tokens()).toBeNull();
      expect(storage.value).toBeNull();
    });

    it('forgets a pair the default mode stored, tokens included, instead of using it', async () => {
      storage.value = { ...record, accessToken: 'at-old', refreshToken: 'a-real-refresh-token' };
      bootTab();
      await TestBed.inject(ApplicationInitStatus).donePromise;

      httpTesting.expectNone(refreshUrl);
      expect(TestBed.inject(TokenStore).tokens()).toBeNull();
    });
  });
});

describe('CookieTokenStorage', () => {
  describe('when a tab that lacks the access token writes its pair (noting a refresh attempt)', () => {
    it('tells the siblings nothing, so they keep the token they have; a pair with its token goes to them whole', async () => {
      const posted: unknown[] = [];
      const channel = Object.assign(new EventTarget(), { postMessage: (message: unknown) => posted.push(message) });
      const storage = new CookieTokenStorage(new MemoryStorage(), channel, 0);
      const pair = { sessionId: 's1', userId: 'u1', accessToken: 'at-1', refreshToken: 'rotation-1' };

      await storage.update(() => pair);
      await storage.update(() => ({ ...pair, accessToken: '', attempt: 'a'.repeat(32) }));

      expect(posted).toEqual([{ type: 'pair', pair }]);
    });
  });
});
