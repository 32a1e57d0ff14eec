import { HttpClient, HttpErrorResponse, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Injectable, inject } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { MemoryStorage, flushStorage, provideAuthTesting } from 'angular-token-refresh/testing';
import { Observable, firstValueFrom, map, of } from 'rxjs';

import { AuthBackend, TokenSet } from './auth-backend';
import { SignOutReason } from './auth-events';
import { authInterceptor } from './auth-interceptor';
import { AuthService } from './auth-service';
import { bypassAuth } from './bypass-auth';
import { AuthFeature, provideAuth, withBackend, withOAuth2, withSessionEnd } from './provide-auth';
import { TokenStore } from './token-store';

/** A dialog service an app might open instead of navigating; it stands for anything `withSessionEnd` may inject. */
@Injectable({ providedIn: 'root' })
class SessionDialog {
  readonly opened: SignOutReason[] = [];
}

describe('provideAuth', () => {
  let http: HttpClient;
  let httpTesting: HttpTestingController;
  let store: TokenStore;
  let auth: AuthService;
  let navigate: jasmine.Spy;
  let storage: MemoryStorage;

  async function setUp(...features: AuthFeature[]): Promise<void> {
    storage = new MemoryStorage();
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideAuth({ loginPath: '/sign-in' }, ...features),
        ...provideAuthTesting(storage),
      ],
    });
    http = TestBed.inject(HttpClient);
    httpTesting = TestBed.inject(HttpTestingController);
    store = TestBed.inject(TokenStore);
    auth = TestBed.inject(AuthService);
    navigate = spyOn(TestBed.inject(Router), 'navigate').and.resolveTo(true);
    await flushStorage();
  }

  afterEach(() => httpTesting.verify());

  describe('withBackend', () => {
    // A server with its own wire format: sign-in and refresh at /api/session, the tokens under `data`.
    const custom = withBackend((): AuthBackend => {
      const client = inject(HttpClient);
      const tokens = (answer$: Observable<{ data: { jwt: string; renew: string; ttl: number } }>) =>
        answer$.pipe(map(({ data }): TokenSet => ({ accessToken: data.jwt, refreshToken: data.renew, expiresIn: data.ttl })));
      return {
        signIn: (user, password) => tokens(client.put<never>('/api/session', { user, password }, { context: bypassAuth() })),
        refresh: (renew) => tokens(client.patch<never>('/api/session', { renew }, { context: bypassAuth() })),
        isRefreshRejected: (error) => error instanceof HttpErrorResponse && error.status === 410,
      };
    });

    it('signs in, refreshes after a 401 and retries through the app-supplied functions', async () => {
      await setUp(custom);
      const signedIn = firstValueFrom(auth.signIn('ada', 'secret'));
      const signIn = httpTesting.expectOne({ method: 'PUT', url: '/api/session' });
      expect(signIn.request.body).toEqual({ user: 'ada', password: 'secret' });
      signIn.flush({ data: { jwt: 'at-1', renew: 'rt-1', ttl: 600 } });
      expect((await signedIn).accessToken).toBe('at-1');

      const result = firstValueFrom(http.get('/api/data', { responseType: 'text' }));
      httpTesting.expectOne('/api/data').flush(null, { status: 401, statusText: 'Unauthorized' });
      await flushStorage();
      const refresh = httpTesting.expectOne({ method: 'PATCH', url: '/api/session' });
      expect(refresh.request.body).toEqual({ renew: 'rt-1' });
      refresh.flush({ data: { jwt: 'at-2', renew: 'rt-2', ttl: 600 } });
      await flushStorage();

      const retry = httpTesting.expectOne('/api/data');
      expect(retry.request.headers.get('Authorization')).toBe('Bearer at-2');
      retry.flush('data');
      expect(await result).toBe('data');
    });

    it("ends the session only when the backend's own rule says the refresh was refused", async () => {
      await setUp(custom);
      await auth.startSession({ accessToken: 'at-1', refreshToken: 'rt-1' });
      const first = firstValueFrom(http.get('/api/data'));
      httpTesting.expectOne('/api/data').flush(null, { status: 401, statusText: 'Unauthorized' });
      await flushStorage();
      httpTesting.expectOne('/api/session').flush(null, { status: 401, statusText: 'Unauthorized' });
      await flushStorage();
      await expectAsync(first).toBeRejected();
      expect(store.refreshToken()).withContext('a 401 is not this backend’s refusal').toBe('rt-1');

      const second = firstValueFrom(http.get('/api/data'));
      httpTesting.expectOne('/api/data').flush(null, { status: 401, statusText: 'Unauthorized' });
      await flushStorage();
      httpTesting.expectOne('/api/session').flush(null, { status: 410, statusText: 'Gone' });
      await flushStorage();
      await expectAsync(second).toBeRejected();
      expect(store.tokens()).toBeNull();
    });
  });

  describe('withSessionEnd', () => {
    it('runs the handler in an injection context instead of navigating, with the reason', async () => {
      await setUp(withSessionEnd((reason) => inject(SessionDialog).opened.push(reason)));
      await auth.startSession({ accessToken: 'at-1', refreshToken: 'rt-1' });
      const result = firstValueFrom(http.get('/api/data'));
      httpTesting.expectOne('/api/data').flush(null, { status: 401, statusText: 'Unauthorized' });
      await flushStorage();
      httpTesting.expectOne('/authorization/refresh').flush({ error: 'invalid_grant' }, { status: 401, statusText: 'Unauthorized' });
      await flushStorage();

      await expectAsync(result).toBeRejected();
      expect(TestBed.inject(SessionDialog).opened).toEqual(['refresh-rejected']);
      expect(navigate).not.toHaveBeenCalled();
    });

    it('by default navigates to the configured login path with a returnUrl', async () => {
      await setUp();
      await auth.startSession({ accessToken: 'at-1', refreshToken: 'rt-1' });
      auth.endSession('refresh-rejected');
      expect(navigate).toHaveBeenCalledOnceWith(['/sign-in'], { queryParams: { returnUrl: '/' } });
    });
  });

  describe('AuthService.startSession', () => {
    it('opens a session for every tab from tokens obtained elsewhere, and resolves once it is stored', async () => {
      await setUp();
      const pair = await auth.startSession({ accessToken: 'at-1', refreshToken: 'rt-1', expiresIn: 60, userName: 'ada' });

      expect(store.tokens()).toEqual(pair);
      expect(storage.value).toEqual(pair);
      expect(auth.userName()).toBe('ada');
      expect(pair.expiresAt).toBeGreaterThan(Date.now() + 59_000);
    });

    it('gives every session a new id, so a sibling tab can tell two sign-ins apart', async () => {
      await setUp();
      const first = await auth.startSession({ accessToken: 'at-1', refreshToken: 'rt-1' });
      const second = await auth.startSession({ accessToken: 'at-1', refreshToken: 'rt-1' });
      expect(first.sessionId).not.toBe(second.sessionId);
    });

    it('rejects tokens that cannot be used, and opens nothing', async () => {
      await setUp();
      const unusable: unknown[] = [
        { accessToken: 'at-1' },
        { accessToken: 'at 1', refreshToken: 'rt-1' },
        { accessToken: 'at-1', refreshToken: 'rt-1', expiresIn: -5 },
        { accessToken: 'x'.repeat(9_000), refreshToken: 'rt-1' },
        null,
      ];
      for (const tokens of unusable) {
        await expectAsync(auth.startSession(tokens as TokenSet))
          .withContext(JSON.stringify(tokens)?.slice(0, 60))
          .toBeRejectedWith(jasmine.objectContaining({ status: 200, statusText: 'Malformed token response' }));
      }
      expect(store.tokens()).toBeNull();
      expect(storage.value).toBeNull();
    });
  });
});

describe('provideAuth features', () => {
  it('refuses two backends, which would leave it to provider order which server gets the refresh token', () => {
    const other = withBackend(() => ({ refresh: () => of({ accessToken: 'a' }) }));
    expect(() => provideAuth({}, withOAuth2({ tokenUrl: '/token', clientId: 'spa' }), other)).toThrowError(/at most one backend/);
  });
});
