import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { MemoryStorage, flushStorage, provideAuthTesting } from 'angular-token-refresh/testing';

import { authInterceptor } from './auth-interceptor';
import { AuthService, LEAVE_APP } from './auth-service';
import { provideAuth, withOAuth2 } from './provide-auth';
import { SignInErrorCode } from './sign-in-error';
import { TokenStore } from './token-store';

const ISSUER = 'https://id.example.com';
const CLIENT_ID = 'spa';
const METADATA = {
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/authorize`,
  token_endpoint: `${ISSUER}/token`,
  revocation_endpoint: `${ISSUER}/revoke`,
  end_session_endpoint: `${ISSUER}/logout`,
  id_token_signing_alg_values_supported: ['RS256'],
};

/** An ID token as the token endpoint would send it (the signature is left to TLS, OpenID Connect Core §3.1.3.7). */
function idToken(claims: Record<string, unknown>): string {
  const encode = (value: object) => btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  const now = Math.floor(Date.now() / 1000);
  return `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ iss: ISSUER, aud: CLIENT_ID, sub: 'alice', name: 'Alice', iat: now, exp: now + 300, ...claims })}.c2ln`;
}

describe('OAuth 2.0 sign-in by redirect (Authorization Code with PKCE, OpenID Connect)', () => {
  const page = location.pathname + location.search;
  const redirectUri = `${location.origin}/callback`;
  let httpTesting: HttpTestingController;
  let auth: AuthService;
  let store: TokenStore;
  let left: string[];
  let leave: jasmine.Spy<(url: string) => void>;
  let storage: MemoryStorage;

  beforeEach(() => {
    sessionStorage.clear();
    left = [];
    leave = jasmine.createSpy('leave').and.callFake((url: string) => left.push(url));
    storage = new MemoryStorage();
    TestBed.configureTestingModule({
      providers: [
        provideRouter([{ path: 'login', children: [] }]),
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideAuth(
          {},
          withOAuth2({
            issuer: ISSUER,
            clientId: CLIENT_ID,
            scope: 'openid api',
            redirectUri,
            postLogoutRedirectUri: `${location.origin}/`,
          }),
        ),
        ...provideAuthTesting(storage),
        { provide: LEAVE_APP, useValue: (url: string) => leave(url) },
      ],
    });
    httpTesting = TestBed.inject(HttpTestingController);
    auth = TestBed.inject(AuthService);
    store = TestBed.inject(TokenStore);
  });

  afterEach(() => {
    history.replaceState(null, '', page);
    sessionStorage.clear();
    httpTesting.verify();
  });

  async function answerDiscovery(): Promise<void> {
    await waitFor(
      () => httpTesting.match(`${ISSUER}/.well-known/openid-configuration`),
      (found) => found.length > 0,
    ).then(([req]) => req.flush(METADATA));
  }

  /** Starts a sign-in and returns the authorization URL the browser was sent to. */
  async function startSignIn(returnUrl = '/orders'): Promise<URL> {
    const started = auth.signInWithRedirect({ returnUrl });
    await answerDiscovery();
    await started;
    return new URL(left[0]);
  }

  /** Comes back to the app at the callback with `params`, and completes the redirect as provideAuth does at start-up. */
  async function comeBack(params: Record<string, string>, tokens?: Record<string, unknown>): Promise<void> {
    history.replaceState(null, '', `/callback?${new URLSearchParams(params)}`);
    const completed = auth.completeRedirect();
    if (tokens) {
      const [exchange] = await waitFor(
        () => httpTesting.match(`${ISSUER}/token`),
        (found) => found.length > 0,
      );
      exchange.flush(tokens);
    }
    await completed;
    await flushStorage();
  }

  describe('when the user signs in', () => {
    it('sends the browser to the authorization endpoint with PKCE S256, a fresh state and a nonce', async () => {
      const url = await startSignIn();

      expect(url.origin + url.pathname).toBe(`${ISSUER}/authorize`);
      const params = Object.fromEntries(url.searchParams);
      expect(params).toEqual(
        jasmine.objectContaining({
          response_type: 'code',
          client_id: CLIENT_ID,
          redirect_uri: redirectUri,
          scope: 'openid api',
          code_challenge_method: 'S256',
        }),
      );
      expect(params['code_challenge']).toMatch(/^[\w-]{43}$/);
      expect(params['state']).toMatch(/^[\w-]{43}$/);
      expect(params['nonce']).toMatch(/^[\w-]{43}$/);
      expect(store.tokens()).toBeNull();
    });

    it('exchanges the code once, with its verifier, opens the session, and lands on the return URL', async () => {
      const url = await startSignIn('/orders?page=2');
      const nonce = url.searchParams.get('nonce')!;

      await comeBack(
        { code: 'the-code', state: url.searchParams.get('state')! },
        { access_token: 'at-1', token_type: 'Bearer', expires_in: 300, refresh_token: 'rt-1', id_token: idToken({ nonce }) },
      );

      expect(store.tokens()).toEqual(
        jasmine.objectContaining({ accessToken: 'at-1', refreshToken: 'rt-1', userId: 'alice', userName: 'Alice' }),
      );
      expect(location.pathname + location.search).toBe('/orders?page=2');
      expect(auth.signInError()).toBeNull();
      expect(Object.keys(sessionStorage)).toEqual([]);
    });
  });

  describe('when the redirect back is refused', () => {
    async function expectRefused(code: SignInErrorCode): Promise<void> {
      expect(auth.signInError()?.code).toBe(code);
      expect(store.tokens()).toBeNull();
      expect(location.pathname).toBe('/login');
    }

    it('refuses a state this tab did not send', async () => {
      await startSignIn();

      await comeBack({ code: 'the-code', state: 'forged-state' });

      await expectRefused('unknown-state');
      // The sign-in this tab did start can still come back.
      expect(Object.keys(sessionStorage).length).toBe(1);
    });

    it('refuses a callback without a state', async () => {
      await startSignIn();

      await comeBack({ code: 'the-code' });

      await expectRefused('unknown-state');
    });

    it('refuses a callback URL opened a second time', async () => {
      const url = await startSignIn();
      const nonce = url.searchParams.get('nonce')!;
      const callback = { code: 'the-code', state: url.searchParams.get('state')! };
      await comeBack(callback, { access_token: 'at-1', token_type: 'Bearer', refresh_token: 'rt-1', id_token: idToken({ nonce }) });
      await store.clear();

      await comeBack(callback);

      await expectRefused('unknown-state');
    });

    it('refuses a callback after a reload that lost the verifier', async () => {
      const url = await startSignIn();
      sessionStorage.clear();

      await comeBack({ code: 'the-code', state: url.searchParams.get('state')! });

      await expectRefused('unknown-state');
    });

    it('shows the error the authorization server gave, e.g. access_denied', async () => {
      const url = await startSignIn();

      await comeBack({ error: 'access_denied', error_description: 'End-User aborted interaction', state: url.searchParams.get('state')! });

      await expectRefused('provider-error');
      expect(auth.signInError()?.message).toContain('access_denied');
      expect(auth.signInError()?.detail).toBe('End-User aborted interaction');
      expect(Object.keys(sessionStorage)).toEqual([]);
    });

    it('refuses an ID token for another audience', async () => {
      const url = await startSignIn();
      const nonce = url.searchParams.get('nonce')!;

      await comeBack(
        { code: 'the-code', state: url.searchParams.get('state')! },
        { access_token: 'at-1', token_type: 'Bearer', refresh_token: 'rt-1', id_token: idToken({ nonce, aud: 'another-app' }) },
      );

      await expectRefused('invalid-response');
      expect(Object.keys(sessionStorage)).toEqual([]);
    });

    it('refuses an ID token with another nonce', async () => {
      const url = await startSignIn();

      await comeBack(
        { code: 'the-code', state: url.searchParams.get('state')! },
        { access_token: 'at-1', token_type: 'Bearer', refresh_token: 'rt-1', id_token: idToken({ nonce: 'replayed-nonce' }) },
      );

      await expectRefused('invalid-response');
    });
  });

  describe('when the user signs out', () => {
    it('revokes the refresh token, ends the session, then leaves for the end-session endpoint with the ID token', async () => {
      const url = await startSignIn();
      const token = idToken({ nonce: url.searchParams.get('nonce')! });
      await comeBack(
        { code: 'the-code', state: url.searchParams.get('state')! },
        { access_token: 'at-1', token_type: 'Bearer', refresh_token: 'rt-1', id_token: token },
      );
      left = [];

      auth.signOut();
      const [revocation] = await waitFor(
        () => httpTesting.match(`${ISSUER}/revoke`),
        (found) => found.length > 0,
      );
      expect(revocation.request.body.toString()).toContain('token=rt-1');
      revocation.flush(null);
      await waitFor(
        () => left,
        (urls) => urls.length > 0,
      );

      const logout = new URL(left[0]);
      expect(logout.origin + logout.pathname).toBe(`${ISSUER}/logout`);
      expect(logout.searchParams.get('id_token_hint')).toBe(token);
      expect(logout.searchParams.get('post_logout_redirect_uri')).toBe(`${location.origin}/`);
      expect(store.tokens()).toBeNull();
    });

    it('leaves only once storage is cleared, so a slow write is not lost with the page and sibling tabs hear of it', async () => {
      const url = await startSignIn();
      await comeBack(
        { code: 'the-code', state: url.searchParams.get('state')! },
        { access_token: 'at-1', token_type: 'Bearer', refresh_token: 'rt-1', id_token: idToken({ nonce: url.searchParams.get('nonce')! }) },
      );
      // IndexedDB under load: the write lands a while after it was asked for.
      const update = storage.update.bind(storage);
      spyOn(storage, 'update').and.callFake((change) => new Promise((resolve) => setTimeout(() => resolve(update(change)), 50)));
      let storedWhenLeaving: unknown = 'not left';
      leave.and.callFake(() => (storedWhenLeaving = storage.value));

      auth.signOut();
      (
        await waitFor(
          () => httpTesting.match(`${ISSUER}/revoke`),
          (found) => found.length > 0,
        )
      )[0].flush(null);
      await waitFor(
        () => storedWhenLeaving,
        (stored) => stored !== 'not left',
      );

      expect(storedWhenLeaving).toBeNull();
    });
  });
});

/** Polls `read` across macrotasks (WebCrypto and dynamic imports settle there) until `done` holds. */
async function waitFor<T>(read: () => T, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = read();
    if (done(value)) {
      return value;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('waitFor: gave up');
}
