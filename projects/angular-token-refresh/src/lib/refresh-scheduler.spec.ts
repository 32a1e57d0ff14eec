import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ApplicationRef, EnvironmentProviders, NgZone, Provider } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { firstValueFrom } from 'rxjs';
import { provideRouter } from '@angular/router';
import { flushStorage, provideAuthTesting } from 'angular-token-refresh/testing';

import { DEFAULT_AUTH_CONFIG } from './auth-config';
import { authInterceptor } from './auth-interceptor';
import {
  MAX_REFRESH_LEAD_MS,
  MIN_PROACTIVE_LIFETIME_MS,
  MIN_REFRESH_LEAD_MS,
  PROACTIVE_RETRY_MS,
  RefreshScheduler,
} from './refresh-scheduler';
import { answerInSendingZone, appHttpClient, provideRunChangeDetection } from './spec-helpers/app-zone';
import { tokenResponseFor } from './spec-helpers/token-response-for';
import { TokenPair } from './token-pair';
import { TokenStore } from './token-store';

const { refreshUrl } = DEFAULT_AUTH_CONFIG;
const START = new Date('2026-01-01T00:00:00Z').getTime();
const TTL_MS = 300_000;
/** With Math.random() pinned to 0 the lead is 10 % of the life left, which for 300 s is capped at MAX_REFRESH_LEAD_MS. */
const DUE_MS = TTL_MS - MAX_REFRESH_LEAD_MS;
/** A refreshed pair expires the nominal `expiresIn` after its receipt, so the next refresh is due as long after it. */
const NEXT_DUE_MS = DUE_MS;

function pairExpiringAt(expiresAt: number, n = 1): TokenPair {
  return { sessionId: 's1', userId: 'u1', userName: 'demo', accessToken: `at-${n}`, refreshToken: `rt-${n}`, expiresAt };
}

/** The auth layer as the app under test has it, with the testing backend and this run's change detection. */
function appProviders(): (Provider | EnvironmentProviders)[] {
  return [
    provideRouter([]),
    provideHttpClient(withInterceptors([authInterceptor, answerInSendingZone])),
    provideHttpClientTesting(),
    ...provideAuthTesting(),
    provideRunChangeDetection(),
  ];
}

describe('RefreshScheduler', () => {
  let httpTesting: HttpTestingController;
  let store: TokenStore;

  beforeEach(async () => {
    jasmine.clock().install();
    jasmine.clock().mockDate(new Date(START));
    spyOn(Math, 'random').and.returnValue(0);
    TestBed.configureTestingModule({ providers: appProviders() });
    httpTesting = TestBed.inject(HttpTestingController);
    store = TestBed.inject(TokenStore);
    store.set(pairExpiringAt(START + TTL_MS));
    await flushStorage();
    TestBed.inject(RefreshScheduler).start();
    TestBed.tick();
  });

  // Separate, so a failed verify cannot leave the clock installed for the specs that follow.
  afterEach(() => jasmine.clock().uninstall());
  afterEach(() => httpTesting.verify());

  /** Moves the clock on by `ms` and lets the refresh that any timer started reach the server. */
  async function advance(ms: number): Promise<void> {
    jasmine.clock().tick(ms);
    await flushStorage();
  }

  describe('when the access token nears its expiry', () => {
    it('refreshes once, ahead of time, then schedules the next refresh for the new token', async () => {
      await advance(DUE_MS - 1);
      httpTesting.expectNone(refreshUrl);

      await advance(1);
      httpTesting.expectOne(refreshUrl).flush(tokenResponseFor(2, TTL_MS / 1000));
      await flushStorage();
      TestBed.tick();
      await advance(NEXT_DUE_MS - 1);

      httpTesting.expectNone(refreshUrl);
      expect(store.accessToken()).toBe('at-2');
      await advance(1);
      httpTesting.expectOne(refreshUrl).flush(tokenResponseFor(3, TTL_MS / 1000));
      await flushStorage();
    });
  });

  describe('when the token lives one minute', () => {
    for (const [random, dueMs] of [
      [0, 54_000],
      [0.5, 51_000],
    ] as const) {
      it(`refreshes ${dueMs / 1000} s into its life when the jitter is ${random}`, async () => {
        (Math.random as jasmine.Spy).and.returnValue(random);
        store.set(pairExpiringAt(START + 60_000, 5));
        await flushStorage();
        TestBed.tick();

        await advance(dueMs - 1);
        httpTesting.expectNone(refreshUrl);
        await advance(1);

        expect(httpTesting.expectOne(refreshUrl).request.body).toEqual({ refreshToken: 'rt-5' });
      });
    }
  });

  describe('when the token lives ten minutes', () => {
    it('refreshes no earlier than MAX_REFRESH_LEAD_MS before it expires, whatever the jitter', async () => {
      (Math.random as jasmine.Spy).and.returnValue(0.99);
      store.set(pairExpiringAt(START + 600_000, 5));
      await flushStorage();
      TestBed.tick();

      await advance(600_000 - MAX_REFRESH_LEAD_MS - 1);
      httpTesting.expectNone(refreshUrl);
      await advance(1);

      expect(httpTesting.expectOne(refreshUrl).request.body).toEqual({ refreshToken: 'rt-5' });
    });
  });

  describe('when the token lives four seconds', () => {
    it('refreshes MIN_REFRESH_LEAD_MS before it expires, as the rounding of JWT times may cost that much', async () => {
      store.set(pairExpiringAt(START + 4_000, 5));
      await flushStorage();
      TestBed.tick();

      await advance(4_000 - MIN_REFRESH_LEAD_MS - 1);
      httpTesting.expectNone(refreshUrl);
      await advance(1);

      expect(httpTesting.expectOne(refreshUrl).request.body).toEqual({ refreshToken: 'rt-5' });
    });
  });

  describe('when the proactive refresh is in flight', () => {
    it('lets new requests go out at once with the still-valid token', async () => {
      await advance(DUE_MS);
      const refresh = httpTesting.expectOne(refreshUrl);

      appHttpClient().get('/api/resources').subscribe();

      expect(httpTesting.expectOne('/api/resources').request.headers.get('Authorization')).toBe('Bearer at-1');
      refresh.flush(tokenResponseFor(2, TTL_MS / 1000));
      await flushStorage();
    });
  });

  describe('when the timer fires while a request is out and that request then gets 401', () => {
    it('sends one refresh that both share', async () => {
      let body: unknown;
      appHttpClient()
        .get('/api/resources')
        .subscribe((b) => (body = b));
      const request = httpTesting.expectOne('/api/resources');

      jasmine.clock().tick(DUE_MS);
      request.flush({ error: 'invalid_token' }, { status: 401, statusText: 'Unauthorized' });
      await flushStorage();
      httpTesting.expectOne(refreshUrl).flush(tokenResponseFor(2, TTL_MS / 1000));
      await flushStorage();
      const retry = httpTesting.expectOne('/api/resources');
      retry.flush('ok');
      await flushStorage();

      expect(retry.request.headers.get('Authorization')).toBe('Bearer at-2');
      expect(body).toBe('ok');
    });
  });

  describe('when a 401 arrives during the proactive refresh', () => {
    it('makes later requests wait for the refresh instead of sending the refused token', async () => {
      const http = appHttpClient();
      http.get('/api/first').subscribe();
      const first = httpTesting.expectOne('/api/first');
      await advance(DUE_MS);
      const refresh = httpTesting.expectOne(refreshUrl);

      first.flush({ error: 'invalid_token' }, { status: 401, statusText: 'Unauthorized' });
      await flushStorage();
      http.get('/api/second').subscribe();
      await flushStorage();
      httpTesting.expectNone('/api/second');
      refresh.flush(tokenResponseFor(2, TTL_MS / 1000));
      await flushStorage();

      expect(httpTesting.expectOne('/api/second').request.headers.get('Authorization')).toBe('Bearer at-2');
      httpTesting.expectOne('/api/first').flush('ok');
      await flushStorage();
    });
  });

  describe('when the proactive refresh fails transiently', () => {
    it('keeps the session and tries again a little later', async () => {
      await advance(DUE_MS);
      httpTesting.expectOne(refreshUrl).flush(null, { status: 503, statusText: 'Unavailable' });
      await flushStorage();

      await advance(PROACTIVE_RETRY_MS - 1);
      httpTesting.expectNone(refreshUrl);
      await advance(1);

      httpTesting.expectOne(refreshUrl).flush(tokenResponseFor(2, TTL_MS / 1000));
      await flushStorage();
      expect(store.refreshToken()).toBe('rt-2');
    });
  });

  describe('when the tab wakes up', () => {
    function sleepUntil(ms: number): void {
      // A sleeping laptop: the clock jumps, the timer has not run.
      jasmine.clock().mockDate(new Date(ms));
    }

    it('refreshes at once on visibilitychange if the due time passed', async () => {
      sleepUntil(START + TTL_MS);
      spyOnProperty(document, 'visibilityState').and.returnValue('visible');

      document.dispatchEvent(new Event('visibilitychange'));
      await flushStorage();

      httpTesting.expectOne(refreshUrl).flush(tokenResponseFor(2, TTL_MS / 1000));
      await flushStorage();
    });

    it('refreshes at once when the network comes back online after the due time', async () => {
      sleepUntil(START + TTL_MS);
      spyOnProperty(document, 'visibilityState').and.returnValue('visible');

      window.dispatchEvent(new Event('online'));
      await flushStorage();

      httpTesting.expectOne(refreshUrl).flush(tokenResponseFor(2, TTL_MS / 1000));
      await flushStorage();
    });

    it('does nothing while the token is still fresh', async () => {
      spyOnProperty(document, 'visibilityState').and.returnValue('visible');

      document.dispatchEvent(new Event('visibilitychange'));
      await flushStorage();

      httpTesting.expectNone(refreshUrl);
    });
  });

  describe('when the timer fires early because the clock stepped back', () => {
    it('waits for the real due time instead of dropping the refresh', async () => {
      await advance(DUE_MS - 10_000);
      jasmine.clock().mockDate(new Date(START + DUE_MS - 20_000));

      await advance(10_000);
      httpTesting.expectNone(refreshUrl);
      await advance(10_000);

      httpTesting.expectOne(refreshUrl).flush(tokenResponseFor(2, TTL_MS / 1000));
      await flushStorage();
    });
  });

  describe('when the user signs out and signs in again with a later expiry', () => {
    it('drops the old schedule and follows the new one', async () => {
      store.clear();
      await flushStorage();
      TestBed.tick();
      store.set(pairExpiringAt(START + 2 * TTL_MS, 5));
      await flushStorage();
      TestBed.tick();

      await advance(DUE_MS);
      httpTesting.expectNone(refreshUrl);
      await advance(TTL_MS);

      expect(httpTesting.expectOne(refreshUrl).request.body).toEqual({ refreshToken: 'rt-5' });
    });
  });

  describe('when the token lives only a moment', () => {
    it('leaves it to the 401 path rather than refreshing in a loop', async () => {
      store.set(pairExpiringAt(START + MIN_PROACTIVE_LIFETIME_MS - 1));
      await flushStorage();
      TestBed.tick();

      await advance(5_000);

      httpTesting.expectNone(refreshUrl);
    });
  });
});

// Real timers, as an app has them: under zone.js (the Karma zone run) a timer set in the Angular zone keeps the app
// unstable until it fires, and a proactive refresh is always ahead.
describe('RefreshScheduler in a signed-in app', () => {
  /** A token this short is refreshed MIN_REFRESH_LEAD_MS before it expires: 1.5 s from now. */
  const SHORT_TTL_MS = 2_500;

  beforeEach(async () => {
    TestBed.configureTestingModule({ providers: appProviders() });
    // As provideAuth does at bootstrap, inside the app.
    await TestBed.inject(NgZone).run(async () => {
      await TestBed.inject(TokenStore).set(pairExpiringAt(Date.now() + SHORT_TTL_MS));
      TestBed.inject(RefreshScheduler).start();
    });
    TestBed.tick();
  });

  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('leaves the app stable while the next refresh waits, and still refreshes when it is due', async () => {
    const httpTesting = TestBed.inject(HttpTestingController);

    const stable = await firstValueFrom(TestBed.inject(ApplicationRef).isStable);
    httpTesting.expectNone(refreshUrl);
    // Until the timer fires, 1.5 s from the start; the spec's own timeout ends one that never does.
    let refresh = httpTesting.match(refreshUrl);
    while (refresh.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      refresh = httpTesting.match(refreshUrl);
    }
    refresh[0].flush(tokenResponseFor(2));
    await flushStorage();

    expect(stable).withContext('ApplicationRef.isStable while a proactive refresh is scheduled').toBeTrue();
    expect(TestBed.inject(TokenStore).accessToken()).toBe('at-2');
  });
});
