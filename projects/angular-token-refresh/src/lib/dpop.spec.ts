import { HttpHeaders, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, TestRequest, provideHttpClientTesting } from '@angular/common/http/testing';
import { ApplicationInitStatus, Provider, inject } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { MemoryStorage, provideAuthTesting } from 'angular-token-refresh/testing';
import { EmbeddedJWK, base64url, calculateJwkThumbprint, jwtVerify, type JWK } from 'jose';
import { firstValueFrom } from 'rxjs';

import { authInterceptor } from './auth-interceptor';
import { DEFAULT_AUTH_CONFIG } from './auth-config';
import { AuthService } from './auth-service';
import { DPOP, DPoPProofs } from './dpop';
import { IndexedDbTokenStorage } from './indexed-db-token-storage';
import { provideAuth, withRefreshTokenCookie } from './provide-auth';
import { answerInSendingZone, appHttpClient, provideRunChangeDetection } from './spec-helpers/app-zone';
import { tokenResponseFor } from './spec-helpers/token-response-for';
import { TokenStore } from './token-store';

const { signInUrl, refreshUrl, signOutUrl } = DEFAULT_AUTH_CONFIG;

/** A bundled-server answer with DPoP-bound tokens. */
const dpopAnswer = (n: number) => ({ ...tokenResponseFor(n), tokenType: 'DPoP' });

/** What a proof says, checked as the server checks it: a dpop+jwt signed by the ES256 key in its own header. */
async function readProof(proof: string | null): Promise<{ claims: Record<string, unknown>; jkt: string }> {
  const { payload, protectedHeader } = await jwtVerify(proof ?? '', EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] });
  return { claims: payload, jkt: await calculateJwkThumbprint(protectedHeader.jwk as JWK) };
}

async function sha256(text: string): Promise<string> {
  return base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))));
}

/** A database name no other spec (or earlier run) uses. */
const freshDatabase = () => `atr-dpop-spec-${crypto.randomUUID()}`;

/** The request to `url` once it is sent: a proof is signed asynchronously first. */
async function sentTo(httpTesting: HttpTestingController, url: string): Promise<TestRequest> {
  for (let turn = 0; turn < 200; turn++) {
    const [request] = httpTesting.match(url);
    if (request) {
      return request;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`No request to ${url} was sent`);
}

/** The proofs of `withDPoP()`, with the key in the IndexedDB `database` and no channel to siblings. */
function provideDPoPIn(database: string): Provider {
  return {
    provide: DPOP,
    useFactory: () => {
      const store = inject(TokenStore);
      return new DPoPProofs(new IndexedDbTokenStorage(database), null, document.baseURI, () => store.tokens()?.sessionId ?? null);
    },
  };
}

describe('withDPoP (RFC 9449)', () => {
  let httpTesting: HttpTestingController;
  let database: string;

  const sent = (url: string) => sentTo(httpTesting, url);

  beforeEach(async () => {
    database = freshDatabase();
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        provideRunChangeDetection(),
        provideHttpClient(withInterceptors([authInterceptor, answerInSendingZone])),
        provideHttpClientTesting(),
        provideAuth(),
        ...provideAuthTesting(new MemoryStorage()),
        provideDPoPIn(database),
      ],
    });
    httpTesting = TestBed.inject(HttpTestingController);
    spyOn(TestBed.inject(Router), 'navigate').and.resolveTo(true);
    await TestBed.inject(ApplicationInitStatus).donePromise;
  });

  afterEach(() => {
    httpTesting.verify();
    indexedDB.deleteDatabase(database);
  });

  async function signIn(n = 1): Promise<string> {
    const signedIn = firstValueFrom(TestBed.inject(AuthService).signIn('demo', 'demo-password'));
    const request = await sent(signInUrl);
    const { jkt } = await readProof(request.request.headers.get('DPoP'));
    request.flush(dpopAnswer(n));
    await signedIn;
    return jkt;
  }

  it('signs in with a proof for the sign-in URL: htm, htu, iat, a unique jti, and no ath', async () => {
    const signedIn = firstValueFrom(TestBed.inject(AuthService).signIn('demo', 'demo-password'));
    const request = await sent(signInUrl);
    const { claims } = await readProof(request.request.headers.get('DPoP'));
    request.flush(dpopAnswer(1));
    await signedIn;

    expect(claims['htm']).toBe('POST');
    expect(claims['htu']).toBe(new URL(signInUrl, document.baseURI).href);
    expect(Math.abs((claims['iat'] as number) - Date.now() / 1000)).toBeLessThan(5);
    expect(claims['jti']).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims['ath']).toBeUndefined();
    expect(TestBed.inject(TokenStore).accessToken()).toBe('at-1');
  });

  it('sends the access token as DPoP with a proof of the same key for this method and URL, its hash in ath', async () => {
    const jkt = await signIn();

    const result = firstValueFrom(appHttpClient().get('/api/data', { params: { page: '2' } }));
    const request = await sent('/api/data?page=2');
    const proof = await readProof(request.request.headers.get('DPoP'));
    request.flush('data');

    expect(await result).toBe('data');
    expect(request.request.headers.get('Authorization')).toBe('DPoP at-1');
    expect(proof.jkt).toBe(jkt);
    expect(proof.claims['htm']).toBe('GET');
    expect(proof.claims['htu']).toBe(new URL('/api/data', document.baseURI).href);
    expect(proof.claims['ath']).toBe(await sha256('at-1'));
  });

  it('keeps a private key that page script cannot export', async () => {
    await signIn();
    const { privateKey } = await TestBed.inject(DPOP)!.keyPair();

    expect(privateKey.extractable).toBeFalse();
    await expectAsync(crypto.subtle.exportKey('jwk', privateKey)).toBeRejected();
    await expectAsync(crypto.subtle.exportKey('pkcs8', privateKey)).toBeRejected();
  });

  it('makes a new key for each new session', async () => {
    const first = await signIn(1);
    TestBed.inject(AuthService).endSession('user');

    expect(await signIn(2)).not.toBe(first);
  });

  describe('when an API asks for a nonce (401, WWW-Authenticate: DPoP error="use_dpop_nonce")', () => {
    const nonceChallenge = (nonce: string) => ({
      status: 401,
      statusText: 'Unauthorized',
      headers: { 'WWW-Authenticate': 'DPoP algs="ES256", error="use_dpop_nonce"', 'DPoP-Nonce': nonce },
    });

    it('sends the request once more with that nonce, and never refreshes', async () => {
      await signIn();

      const result = firstValueFrom(appHttpClient().get('/api/data'));
      (await sent('/api/data')).flush({ error: 'use_dpop_nonce' }, nonceChallenge('n-1'));
      const again = await sent('/api/data');
      const { claims } = await readProof(again.request.headers.get('DPoP'));
      again.flush('data');

      expect(await result).toBe('data');
      expect(claims['nonce']).toBe('n-1');
      expect(again.request.headers.get('Authorization')).toBe('DPoP at-1');
      httpTesting.expectNone(refreshUrl);
    });

    it('gives up after one resend, keeping the session', async () => {
      await signIn();

      const result = firstValueFrom(appHttpClient().get('/api/data'));
      (await sent('/api/data')).flush({ error: 'use_dpop_nonce' }, nonceChallenge('n-1'));
      (await sent('/api/data')).flush({ error: 'use_dpop_nonce' }, nonceChallenge('n-2'));

      await expectAsync(result).toBeRejectedWith(jasmine.objectContaining({ status: 401 }));
      httpTesting.expectNone(refreshUrl);
      expect(TestBed.inject(TokenStore).accessToken()).toBe('at-1');
    });

    it('does not count the resend as the retry after a refresh', async () => {
      await signIn();

      const result = firstValueFrom(appHttpClient().get('/api/data'));
      (await sent('/api/data')).flush(null, {
        status: 401,
        statusText: 'Unauthorized',
        headers: { 'WWW-Authenticate': 'DPoP error="invalid_token"' },
      });
      (await sent(refreshUrl)).flush(dpopAnswer(2));
      const retry = await sent('/api/data');
      expect(retry.request.headers.get('Authorization')).toBe('DPoP at-2');
      retry.flush({ error: 'use_dpop_nonce' }, nonceChallenge('n-1'));
      (await sent('/api/data')).flush('data');

      expect(await result).toBe('data');
      expect(TestBed.inject(TokenStore).accessToken()).toBe('at-2');
    });
  });

  it("answers the token endpoint's 400 use_dpop_nonce by sending the refresh once more with the nonce", async () => {
    await signIn();

    const result = firstValueFrom(appHttpClient().get('/api/data'));
    (await sent('/api/data')).flush(null, { status: 401, statusText: 'Unauthorized' });
    (await sent(refreshUrl)).flush(
      { error: 'use_dpop_nonce' },
      { status: 400, statusText: 'Bad Request', headers: { 'DPoP-Nonce': 'n-9' } },
    );
    const again = await sent(refreshUrl);
    expect((await readProof(again.request.headers.get('DPoP'))).claims['nonce']).toBe('n-9');
    again.flush(dpopAnswer(2));
    (await sent('/api/data')).flush('data');

    expect(await result).toBe('data');
  });
});

describe('DPoPProofs across tabs', () => {
  const databases: string[] = [];

  afterEach(() => databases.splice(0).forEach((name) => indexedDB.deleteDatabase(name)));

  function tabs(count: number, channelName?: string): DPoPProofs[] {
    const database = freshDatabase();
    databases.push(database);
    return Array.from(
      { length: count },
      () =>
        new DPoPProofs(
          new IndexedDbTokenStorage(database),
          channelName ? new BroadcastChannel(channelName) : null,
          document.baseURI,
          () => null,
        ),
    );
  }

  it('gives five tabs that start together one key', async () => {
    const proofs = await Promise.all(tabs(5).map((tab) => tab.proof('GET', '/api/data')));

    const thumbprints = await Promise.all(proofs.map(async (proof) => (await readProof(proof)).jkt));
    expect(new Set(thumbprints).size).toBe(1);
  });

  it('shares the nonce one tab learnt with the others', async () => {
    const [one, other] = tabs(2, `atr-dpop-spec-${crypto.randomUUID()}`);

    one.learnNonce('/api/data', new HttpHeaders({ 'DPoP-Nonce': 'shared' }));
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect((await readProof(await other.proof('GET', '/api/data'))).claims['nonce']).toBe('shared');
  });
});

describe('withDPoP with withRefreshTokenCookie', () => {
  const database = freshDatabase();
  let httpTesting: HttpTestingController;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        provideRunChangeDetection(),
        provideHttpClient(withInterceptors([authInterceptor, answerInSendingZone])),
        provideHttpClientTesting(),
        provideAuth({}, withRefreshTokenCookie()),
        ...provideAuthTesting(new MemoryStorage()),
        provideDPoPIn(database),
      ],
    });
    httpTesting = TestBed.inject(HttpTestingController);
    spyOn(TestBed.inject(Router), 'navigate').and.resolveTo(true);
    await TestBed.inject(ApplicationInitStatus).donePromise;
  });

  afterEach(() => {
    httpTesting.verify();
    indexedDB.deleteDatabase(database);
  });

  const sent = (url: string) => sentTo(httpTesting, url);

  it('proves the same key at sign-in, at the refresh from the cookie and at sign-out, with credentials each time', async () => {
    const { refreshToken: _inCookie, ...body } = dpopAnswer(1);
    const auth = TestBed.inject(AuthService);
    const signedIn = firstValueFrom(auth.signIn('demo', 'demo-password'));
    const signIn = await sent(signInUrl);
    const atSignIn = await readProof(signIn.request.headers.get('DPoP'));
    signIn.flush(body);
    await signedIn;

    const result = firstValueFrom(appHttpClient().get('/api/data'));
    (await sent('/api/data')).flush(null, { status: 401, statusText: 'Unauthorized' });
    const refresh = await sent(refreshUrl);
    const atRefresh = await readProof(refresh.request.headers.get('DPoP'));
    const { refreshToken: _rotated, ...second } = dpopAnswer(2);
    refresh.flush(second);
    const retry = await sent('/api/data');
    expect(retry.request.headers.get('Authorization')).toBe('DPoP at-2');
    retry.flush('data');
    expect(await result).toBe('data');

    auth.signOut();
    const signOut = await sent(signOutUrl);
    const atSignOut = await readProof(signOut.request.headers.get('DPoP'));
    signOut.flush({});

    for (const request of [signIn, refresh, signOut]) {
      expect(request.request.withCredentials).toBeTrue();
      expect(request.request.headers.get('Refresh-Token-Transport')).toBe('cookie');
    }
    expect(refresh.request.body).toEqual({});
    expect(atRefresh.jkt).toBe(atSignIn.jkt);
    expect(atSignOut.jkt).toBe(atSignIn.jkt);
    expect(atRefresh.claims['htu']).toBe(new URL(refreshUrl, document.baseURI).href);
    expect(atSignOut.claims['htu']).toBe(new URL(signOutUrl, document.baseURI).href);
  });
});
