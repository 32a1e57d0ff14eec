import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, TestRequest, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { MemoryStorage, flushStorage, provideAuthTesting } from 'angular-token-refresh/testing';
import { firstValueFrom } from 'rxjs';

import { authInterceptor } from './auth-interceptor';
import { AuthService } from './auth-service';
import { OAuth2Options } from './oauth2-backend';
import { provideAuth, withOAuth2 } from './provide-auth';
import { TokenStore } from './token-store';

const TOKEN_URL = 'https://auth.example.com/oauth/token';
const REVOCATION_URL = 'https://auth.example.com/oauth/revoke';

describe('withOAuth2', () => {
  let auth: AuthService;
  let store: TokenStore;
  let http: HttpClient;
  let httpTesting: HttpTestingController;
  let navigate: jasmine.Spy;

  async function setUp(options: Partial<OAuth2Options> = {}): Promise<void> {
    const storage = new MemoryStorage();
    storage.value = { sessionId: 's1', userName: 'ada', accessToken: 'at-1', refreshToken: 'rt-1' };
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideAuth({}, withOAuth2({ tokenUrl: TOKEN_URL, clientId: 'spa', ...options })),
        ...provideAuthTesting(storage),
      ],
    });
    auth = TestBed.inject(AuthService);
    store = TestBed.inject(TokenStore);
    http = TestBed.inject(HttpClient);
    httpTesting = TestBed.inject(HttpTestingController);
    navigate = spyOn(TestBed.inject(Router), 'navigate').and.resolveTo(true);
    await flushStorage();
  }

  afterEach(() => httpTesting.verify());

  /** Sends a request, refuses it with 401, and returns the refresh it causes, and the request's outcome. */
  async function refreshAfter401(): Promise<{ refresh: TestRequest; result: Promise<string> }> {
    const result = firstValueFrom(http.get('/api/data', { responseType: 'text' }));
    httpTesting.expectOne('/api/data').flush(null, { status: 401, statusText: 'Unauthorized' });
    await flushStorage();
    return { refresh: httpTesting.expectOne(TOKEN_URL), result };
  }

  it('refreshes per RFC 6749 §6: a form-encoded refresh_token grant for the client, with the scope when given', async () => {
    await setUp({ scope: 'openid api:read' });
    const { refresh, result } = await refreshAfter401();

    expect(refresh.request.method).toBe('POST');
    expect(refresh.request.headers.get('Content-Type')).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(refresh.request.body as string))).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'rt-1',
      client_id: 'spa',
      scope: 'openid api:read',
    });
    refresh.flush({ access_token: 'at-2', token_type: 'Bearer', expires_in: 300, refresh_token: 'rt-2' });
    await flushStorage();

    const retry = httpTesting.expectOne('/api/data');
    expect(retry.request.headers.get('Authorization')).toBe('Bearer at-2');
    retry.flush('data');
    expect(await result).toBe('data');
    expect(store.tokens()).toEqual(
      jasmine.objectContaining({ sessionId: 's1', userName: 'ada', accessToken: 'at-2', refreshToken: 'rt-2' }),
    );
  });

  it('keeps the current refresh token when the answer carries none, and accepts a lower-case token type', async () => {
    await setUp();
    const { refresh, result } = await refreshAfter401();
    refresh.flush({ access_token: 'at-2', token_type: 'bearer', expires_in: 60 });
    await flushStorage();
    httpTesting.expectOne('/api/data').flush('data');

    expect(await result).toBe('data');
    expect(store.tokens()).toEqual(jasmine.objectContaining({ accessToken: 'at-2', refreshToken: 'rt-1' }));
  });

  it('ends the session on invalid_grant, with a 400 or a 401', async () => {
    for (const status of [400, 401]) {
      TestBed.resetTestingModule();
      await setUp();
      const { refresh, result } = await refreshAfter401();
      refresh.flush({ error: 'invalid_grant', error_description: 'grant revoked' }, { status, statusText: 'Bad Request' });
      await flushStorage();

      await expectAsync(result).toBeRejectedWith(jasmine.objectContaining({ status }));
      expect(store.tokens()).withContext(`status ${status}`).toBeNull();
      expect(navigate).toHaveBeenCalledWith(['/login'], jasmine.anything());
    }
  });

  it('keeps the session on any other error: invalid_client, invalid_request, a 500, a body that is not JSON', async () => {
    const failures: [object | string, number][] = [
      [{ error: 'invalid_client' }, 401],
      [{ error: 'invalid_request' }, 400],
      [{ error: 'server_error' }, 500],
      ['<html>Bad gateway</html>', 400],
    ];
    for (const [body, status] of failures) {
      TestBed.resetTestingModule();
      await setUp();
      const { refresh, result } = await refreshAfter401();
      refresh.flush(body, { status, statusText: 'Error' });
      await flushStorage();

      await expectAsync(result).toBeRejectedWith(jasmine.objectContaining({ status }));
      expect(store.refreshToken()).withContext(JSON.stringify(body)).toBe('rt-1');
      expect(navigate).not.toHaveBeenCalled();
    }
  });

  it('fails transiently, keeping the pair, on an answer that is not a Bearer token set', async () => {
    await setUp();
    const { refresh, result } = await refreshAfter401();
    refresh.flush({ access_token: 'at-2', token_type: 'DPoP', expires_in: 60 });
    await flushStorage();

    await expectAsync(result).toBeRejectedWith(jasmine.objectContaining({ status: 200, url: TOKEN_URL }));
    expect(store.refreshToken()).toBe('rt-1');
  });

  it('revokes the refresh token on sign-out per RFC 7009 when a revocation URL is given', async () => {
    await setUp({ revocationUrl: REVOCATION_URL });
    auth.signOut();

    const revoke = httpTesting.expectOne(REVOCATION_URL);
    expect(Object.fromEntries(new URLSearchParams(revoke.request.body as string))).toEqual({
      token: 'rt-1',
      token_type_hint: 'refresh_token',
      client_id: 'spa',
    });
    revoke.flush(null);
    expect(store.tokens()).toBeNull();
  });

  it('signs out locally, calling nothing, without a revocation URL', async () => {
    await setUp();
    auth.signOut();
    httpTesting.expectNone(() => true);
    expect(store.tokens()).toBeNull();
  });

  it('has no password sign-in (RFC 9700): signIn fails and sends nothing', async () => {
    await setUp();
    await expectAsync(firstValueFrom(auth.signIn('ada', 'secret'))).toBeRejectedWithError(/startSession/);
    httpTesting.expectNone(() => true);
  });
});
