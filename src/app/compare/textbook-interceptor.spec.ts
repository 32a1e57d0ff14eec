import { HttpClient, HttpErrorResponse, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { DEFAULT_AUTH_CONFIG, TokenStore } from 'angular-token-refresh';
import { provideAuthTesting } from 'angular-token-refresh/testing';

import { InterceptorChoice, chosenInterceptor } from './interceptor-choice';

const REFRESH_URL = DEFAULT_AUTH_CONFIG.refreshUrl;
const tokens = (n: number) => ({
  userId: 'u1',
  userName: 'demo',
  authorizationToken: `at-${n}`,
  refreshToken: `rt-${n}`,
  tokenType: 'Bearer',
  expiresIn: 300,
});
const UNAUTHORIZED = { status: 401, statusText: 'Unauthorized' };

// The compare mode is only worth something if its textbook interceptor behaves as the pattern does in the wild.
describe('compare mode: the textbook interceptor', () => {
  let http: HttpClient;
  let httpTesting: HttpTestingController;
  let store: TokenStore;
  let outcomes: string[];

  beforeEach(() => {
    sessionStorage.removeItem('demo.interceptor');
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        provideHttpClient(withInterceptors([chosenInterceptor])),
        provideHttpClientTesting(),
        ...provideAuthTesting(),
      ],
    });
    TestBed.inject(InterceptorChoice).set('textbook');
    http = TestBed.inject(HttpClient);
    httpTesting = TestBed.inject(HttpTestingController);
    store = TestBed.inject(TokenStore);
    void store.set({ sessionId: 's1', userId: 'u1', userName: 'demo', accessToken: 'at-1', refreshToken: 'rt-1' });
    outcomes = [];
  });

  afterEach(() => sessionStorage.removeItem('demo.interceptor'));

  function get(n: number): void {
    http.get<string>(`/api/resources?n=${n}`).subscribe({
      next: (body) => outcomes.push(`${n}: ${body}`),
      error: (error: HttpErrorResponse) => outcomes.push(`${n}: ${error.status}`),
    });
  }
  const pending = (n: number) => httpTesting.expectOne((req) => req.urlWithParams === `/api/resources?n=${n}`);

  it('shares a refresh among 401s that arrive while it runs', () => {
    [1, 2, 3].forEach(get);
    [1, 2, 3].forEach((n) => pending(n).flush(null, UNAUTHORIZED));

    httpTesting.expectOne(REFRESH_URL).flush(tokens(2));
    [1, 2, 3].forEach((n) => {
      const retry = pending(n);
      expect(retry.request.headers.get('Authorization')).toBe('Bearer at-2');
      retry.flush('ok');
    });
    expect(outcomes).toEqual(['1: ok', '2: ok', '3: ok']);
  });

  it('refreshes again for a 401 that arrives after the refresh finished, spending a second refresh token', () => {
    [1, 2].forEach(get);
    const late = pending(2);
    pending(1).flush(null, UNAUTHORIZED);
    const first = httpTesting.expectOne(REFRESH_URL);
    expect(first.request.body).toEqual({ refreshToken: 'rt-1' });
    first.flush(tokens(2));
    pending(1).flush('ok');

    // Sent with the old token before the refresh, refused after it: the pattern cannot tell, and refreshes again.
    late.flush(null, UNAUTHORIZED);
    const second = httpTesting.expectOne(REFRESH_URL);
    expect(second.request.body).toEqual({ refreshToken: 'rt-2' });
    second.flush(tokens(3));
    pending(2).flush('ok');
    expect(outcomes).toEqual(['1: ok', '2: ok']);
  });

  it('leaves the requests that waited hanging when the refresh is refused', () => {
    [1, 2, 3].forEach(get);
    [1, 2, 3].forEach((n) => pending(n).flush(null, UNAUTHORIZED));

    httpTesting.expectOne(REFRESH_URL).flush({ error: 'invalid_grant' }, UNAUTHORIZED);

    expect(outcomes).toEqual(['1: 401']);
    expect(store.tokens()).toBeNull();
    httpTesting.verify();
  });
});
