import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';

import { DEFAULT_AUTH_CONFIG } from './auth-config';
import { authInterceptor } from './auth-interceptor';
import { TokenResponse } from './auth-service';
import { MAX_REFRESH_LEAD_MS, MIN_PROACTIVE_LIFETIME_MS, PROACTIVE_RETRY_MS, RefreshScheduler } from './refresh-scheduler';
import { provideAuthTesting } from './testing/provide-auth-testing';
import { TokenPair, TokenStore } from './token-store';

const { refreshUrl } = DEFAULT_AUTH_CONFIG;
const START = new Date('2026-01-01T00:00:00Z').getTime();
const TTL_MS = 300_000;
/** With Math.random() pinned to 0, the refresh is due exactly MAX_REFRESH_LEAD_MS before expiry. */
const DUE_MS = TTL_MS - MAX_REFRESH_LEAD_MS;
/** A refreshed pair counts on one second less than `expiresIn`, as JWT times are whole seconds. */
const NEXT_DUE_MS = TTL_MS - 1_000 - MAX_REFRESH_LEAD_MS;

function tokens(n: number): TokenResponse {
  return { userId: 'u1', userName: 'demo', authorizationToken: `at-${n}`, refreshToken: `rt-${n}`, tokenType: 'Bearer', expiresIn: TTL_MS / 1000 };
}

function pairExpiringAt(expiresAt: number, n = 1): TokenPair {
  return { userId: 'u1', userName: 'demo', accessToken: `at-${n}`, refreshToken: `rt-${n}`, expiresAt };
}

describe('RefreshScheduler', () => {
  let httpTesting: HttpTestingController;
  let store: TokenStore;

  beforeEach(() => {
    jasmine.clock().install();
    jasmine.clock().mockDate(new Date(START));
    spyOn(Math, 'random').and.returnValue(0);
    TestBed.configureTestingModule({
      providers: [provideRouter([]), provideHttpClient(withInterceptors([authInterceptor])), provideHttpClientTesting(), ...provideAuthTesting()],
    });
    httpTesting = TestBed.inject(HttpTestingController);
    store = TestBed.inject(TokenStore);
    store.set(pairExpiringAt(START + TTL_MS));
    TestBed.inject(RefreshScheduler).start();
    TestBed.tick();
  });

  afterEach(() => {
    httpTesting.verify();
    jasmine.clock().uninstall();
  });

  describe('when the access token nears its expiry', () => {
    it('refreshes once, ahead of time, then schedules the next refresh for the new token', () => {
      jasmine.clock().tick(DUE_MS - 1);
      httpTesting.expectNone(refreshUrl);

      jasmine.clock().tick(1);
      httpTesting.expectOne(refreshUrl).flush(tokens(2));
      TestBed.tick();
      jasmine.clock().tick(NEXT_DUE_MS - 1);

      httpTesting.expectNone(refreshUrl);
      expect(store.accessToken()).toBe('at-2');
      jasmine.clock().tick(1);
      httpTesting.expectOne(refreshUrl).flush(tokens(3));
    });
  });

  describe('when the proactive refresh is in flight', () => {
    it('lets new requests go out at once with the still-valid token', () => {
      jasmine.clock().tick(DUE_MS);
      const refresh = httpTesting.expectOne(refreshUrl);

      TestBed.inject(HttpClient).get('/api/resources').subscribe();

      expect(httpTesting.expectOne('/api/resources').request.headers.get('Authorization')).toBe('Bearer at-1');
      refresh.flush(tokens(2));
    });
  });

  describe('when the timer fires while a request is out and that request then gets 401', () => {
    it('sends one refresh that both share', () => {
      let body: unknown;
      TestBed.inject(HttpClient).get('/api/resources').subscribe((b) => (body = b));
      const request = httpTesting.expectOne('/api/resources');

      jasmine.clock().tick(DUE_MS);
      request.flush({ error: 'invalid_token' }, { status: 401, statusText: 'Unauthorized' });
      httpTesting.expectOne(refreshUrl).flush(tokens(2));
      const retry = httpTesting.expectOne('/api/resources');
      retry.flush('ok');

      expect(retry.request.headers.get('Authorization')).toBe('Bearer at-2');
      expect(body).toBe('ok');
    });
  });

  describe('when a 401 arrives during the proactive refresh', () => {
    it('makes later requests wait for the refresh instead of sending the refused token', () => {
      const http = TestBed.inject(HttpClient);
      http.get('/api/first').subscribe();
      const first = httpTesting.expectOne('/api/first');
      jasmine.clock().tick(DUE_MS);
      const refresh = httpTesting.expectOne(refreshUrl);

      first.flush({ error: 'invalid_token' }, { status: 401, statusText: 'Unauthorized' });
      http.get('/api/second').subscribe();
      httpTesting.expectNone('/api/second');
      refresh.flush(tokens(2));

      expect(httpTesting.expectOne('/api/second').request.headers.get('Authorization')).toBe('Bearer at-2');
      httpTesting.expectOne('/api/first').flush('ok');
    });
  });

  describe('when the proactive refresh fails transiently', () => {
    it('keeps the session and tries again a little later', () => {
      jasmine.clock().tick(DUE_MS);
      httpTesting.expectOne(refreshUrl).flush(null, { status: 503, statusText: 'Unavailable' });

      jasmine.clock().tick(PROACTIVE_RETRY_MS);

      httpTesting.expectOne(refreshUrl).flush(tokens(2));
      expect(store.refreshToken()).toBe('rt-2');
    });
  });

  describe('when the tab wakes up', () => {
    function sleepUntil(ms: number): void {
      // A sleeping laptop: the clock jumps, the timer has not run.
      jasmine.clock().mockDate(new Date(ms));
    }

    it('refreshes at once on visibilitychange if the due time passed', () => {
      sleepUntil(START + TTL_MS);
      spyOnProperty(document, 'visibilityState').and.returnValue('visible');

      document.dispatchEvent(new Event('visibilitychange'));

      httpTesting.expectOne(refreshUrl).flush(tokens(2));
    });

    it('refreshes at once when the network comes back online after the due time', () => {
      sleepUntil(START + TTL_MS);
      spyOnProperty(document, 'visibilityState').and.returnValue('visible');

      window.dispatchEvent(new Event('online'));

      httpTesting.expectOne(refreshUrl).flush(tokens(2));
    });

    it('does nothing while the token is still fresh', () => {
      spyOnProperty(document, 'visibilityState').and.returnValue('visible');

      document.dispatchEvent(new Event('visibilitychange'));

      httpTesting.expectNone(refreshUrl);
    });
  });

  describe('when the timer fires early because the clock stepped back', () => {
    it('waits for the real due time instead of dropping the refresh', () => {
      jasmine.clock().tick(DUE_MS - 10_000);
      jasmine.clock().mockDate(new Date(START + DUE_MS - 20_000));

      jasmine.clock().tick(10_000);
      httpTesting.expectNone(refreshUrl);
      jasmine.clock().tick(10_000);

      httpTesting.expectOne(refreshUrl).flush(tokens(2));
    });
  });

  describe('when the user signs out and signs in again with a later expiry', () => {
    it('drops the old schedule and follows the new one', () => {
      store.clear();
      TestBed.tick();
      store.set(pairExpiringAt(START + 2 * TTL_MS, 5));
      TestBed.tick();

      jasmine.clock().tick(DUE_MS);
      httpTesting.expectNone(refreshUrl);
      jasmine.clock().tick(TTL_MS);

      expect(httpTesting.expectOne(refreshUrl).request.body).toEqual({ refreshToken: 'rt-5' });
    });
  });

  describe('when the token lives only a moment', () => {
    it('leaves it to the 401 path rather than refreshing in a loop', () => {
      store.set(pairExpiringAt(START + MIN_PROACTIVE_LIFETIME_MS - 1));
      TestBed.tick();

      jasmine.clock().tick(5_000);

      httpTesting.expectNone(refreshUrl);
    });
  });
});
