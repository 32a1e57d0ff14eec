import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';

import { DEFAULT_AUTH_CONFIG } from './auth-config';
import { authInterceptor } from './auth-interceptor';
import { TokenResponse } from './auth-service';
import { MAX_REFRESH_LEAD_MS, PROACTIVE_RETRY_MS, RefreshScheduler } from './refresh-scheduler';
import { provideAuthTesting } from './testing/provide-auth-testing';
import { TokenStore } from './token-store';

const { refreshUrl } = DEFAULT_AUTH_CONFIG;
const START = new Date('2026-01-01T00:00:00Z');
const TTL_MS = 300_000;

function tokens(n: number): TokenResponse {
  return { userId: 'u1', userName: 'demo', authorizationToken: `at-${n}`, refreshToken: `rt-${n}`, tokenType: 'Bearer', expiresIn: TTL_MS / 1000 };
}

describe('RefreshScheduler', () => {
  let httpTesting: HttpTestingController;
  let store: TokenStore;

  beforeEach(() => {
    jasmine.clock().install();
    jasmine.clock().mockDate(START);
    TestBed.configureTestingModule({
      providers: [provideRouter([]), provideHttpClient(withInterceptors([authInterceptor])), provideHttpClientTesting(), ...provideAuthTesting()],
    });
    httpTesting = TestBed.inject(HttpTestingController);
    store = TestBed.inject(TokenStore);
    store.set({ userId: 'u1', userName: 'demo', accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: START.getTime() + TTL_MS });
    TestBed.inject(RefreshScheduler).start();
    TestBed.tick();
  });

  afterEach(() => {
    httpTesting.verify();
    jasmine.clock().uninstall();
  });

  describe('when the access token nears its expiry', () => {
    it('refreshes once, ahead of time, then schedules the next refresh for the new token', () => {
      jasmine.clock().tick(TTL_MS - MAX_REFRESH_LEAD_MS - 1);
      httpTesting.expectNone(refreshUrl);

      jasmine.clock().tick(1);
      httpTesting.expectOne(refreshUrl).flush(tokens(2));
      TestBed.tick();
      jasmine.clock().tick(TTL_MS - MAX_REFRESH_LEAD_MS - 1);

      httpTesting.expectNone(refreshUrl);
      expect(store.accessToken()).toBe('at-2');
    });
  });

  describe('when the timer and a 401 coincide', () => {
    it('sends one refresh that both share', () => {
      const http = TestBed.inject(HttpClient);
      let body: unknown;

      jasmine.clock().tick(TTL_MS - MAX_REFRESH_LEAD_MS);
      http.get('/api/resources').subscribe((b) => (body = b));
      const refresh = httpTesting.expectOne(refreshUrl);
      httpTesting.expectNone('/api/resources');
      refresh.flush(tokens(2));
      const request = httpTesting.expectOne('/api/resources');
      request.flush('ok');

      expect(request.request.headers.get('Authorization')).toBe('Bearer at-2');
      expect(body).toBe('ok');
    });
  });

  describe('when the proactive refresh fails transiently', () => {
    it('keeps the session and tries again a little later', () => {
      jasmine.clock().tick(TTL_MS - MAX_REFRESH_LEAD_MS);
      httpTesting.expectOne(refreshUrl).flush(null, { status: 503, statusText: 'Unavailable' });

      jasmine.clock().tick(PROACTIVE_RETRY_MS);

      httpTesting.expectOne(refreshUrl).flush(tokens(2));
      expect(store.refreshToken()).toBe('rt-2');
    });
  });

  describe('when the tab becomes visible again', () => {
    function becomeVisible(): void {
      spyOnProperty(document, 'visibilityState').and.returnValue('visible');
      document.dispatchEvent(new Event('visibilitychange'));
    }

    it('refreshes at once if the timer was missed while the tab slept', () => {
      // A sleeping laptop: the clock jumps, the timer has not run.
      jasmine.clock().mockDate(new Date(START.getTime() + TTL_MS));

      becomeVisible();

      httpTesting.expectOne(refreshUrl).flush(tokens(2));
    });

    it('does nothing while the token is still fresh', () => {
      becomeVisible();

      httpTesting.expectNone(refreshUrl);
    });
  });

  describe('when the user signs out', () => {
    it('cancels the scheduled refresh', () => {
      store.clear();
      TestBed.tick();

      jasmine.clock().tick(TTL_MS);

      httpTesting.expectNone(refreshUrl);
    });
  });
});
