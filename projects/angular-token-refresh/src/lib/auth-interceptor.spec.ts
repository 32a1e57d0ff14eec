import {
  HTTP_INTERCEPTORS,
  HttpClient,
  HttpContext,
  HttpErrorResponse,
  provideHttpClient,
  withInterceptors,
  withInterceptorsFromDi,
} from '@angular/common/http';
import { HttpTestingController, TestRequest, provideHttpClientTesting } from '@angular/common/http/testing';
import { Component, EnvironmentProviders, Provider } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { Subject, Subscription, switchMap } from 'rxjs';
import { FakeLockManager, MemoryStorage, flushStorage, provideAuthTesting } from 'angular-token-refresh/testing';

import { DEFAULT_AUTH_CONFIG, provideAuthConfig } from './auth-config';
import { AUTH_ATTEMPT, AuthInterceptor, authInterceptor } from './auth-interceptor';
import { BYPASS_AUTH } from './bypass-auth';
import { TokenStore } from './token-store';
import { answerInSendingZone, appHttpClient, expectInAngularZone, provideRunChangeDetection } from './spec-helpers/app-zone';
import { AUTH_MODES } from './spec-helpers/auth-modes';

@Component({ template: '' })
class Blank {}

const REFRESH_URL = DEFAULT_AUTH_CONFIG.refreshUrl;
const API_ORIGIN = 'https://api.example.com';

const forms: readonly { readonly name: string; readonly providers: (Provider | EnvironmentProviders)[] }[] = [
  { name: 'authInterceptor (function)', providers: [provideHttpClient(withInterceptors([authInterceptor, answerInSendingZone]))] },
  {
    name: 'AuthInterceptor (class)',
    providers: [
      provideHttpClient(withInterceptorsFromDi(), withInterceptors([answerInSendingZone])),
      { provide: HTTP_INTERCEPTORS, useClass: AuthInterceptor, multi: true },
    ],
  },
];

function unauthorized(req: TestRequest): void {
  req.flush({ error: 'invalid_token' }, { status: 401, statusText: 'Unauthorized' });
}

function bearerOf(req: TestRequest): string | null {
  return req.request.headers.get('Authorization');
}

// Every guarantee, for both interceptor forms, in both modes of keeping the refresh token.
for (const mode of AUTH_MODES)
  for (const form of forms) {
    describe(`${form.name}, ${mode.name}`, () => {
      let http: HttpClient;
      let httpTesting: HttpTestingController;
      let store: TokenStore;
      let storage: MemoryStorage;
      let navigate: jasmine.Spy;

      beforeEach(async () => {
        storage = new MemoryStorage();
        TestBed.configureTestingModule({
          providers: [
            provideRouter([
              { path: 'reports', component: Blank },
              { path: 'login', component: Blank },
            ]),
            ...form.providers,
            provideHttpClientTesting(),
            provideAuthConfig({ apiOrigins: [API_ORIGIN] }),
            ...provideAuthTesting(storage, new FakeLockManager()),
            provideRunChangeDetection(),
            ...mode.providers(),
          ],
        });
        http = appHttpClient();
        httpTesting = TestBed.inject(HttpTestingController);
        store = TestBed.inject(TokenStore);
        const router = TestBed.inject(Router);
        await router.navigateByUrl('/reports?page=2');
        navigate = spyOn(router, 'navigate').and.callFake(async () => {
          expectInAngularZone('the navigation of a session end');
          return true;
        });
        store.set({ sessionId: 's1', userId: 'u1', userName: 'demo', accessToken: 'at-1', refreshToken: 'rt-1' });
        await flushStorage();
      });

      afterEach(() => httpTesting.verify());

      /** Sends `n` GETs and returns what each subscriber received. */
      function sendMany(n: number, url = '/api/resources') {
        const results: { body?: unknown; error?: HttpErrorResponse }[] = [];
        for (let i = 0; i < n; i++) {
          results.push({});
          http.get(`${url}?n=${i}`).subscribe({
            next: (body) => (results[i].body = body),
            error: (error: HttpErrorResponse) => (results[i].error = error),
          });
        }
        return results;
      }

      describe('when the request goes to the app or a configured API origin', () => {
        for (const url of ['/api/resources', 'api/relative', `${location.origin}/api/resources`, `${API_ORIGIN}/v1/items`]) {
          it(`adds the bearer token to ${url}`, async () => {
            http.get(url).subscribe();

            expect(bearerOf(httpTesting.expectOne(url))).toBe('Bearer at-1');
          });
        }
      });

      describe('when the request goes anywhere else', () => {
        const foreign = [
          'https://evil.example.com/api',
          `${API_ORIGIN}.evil.com/api`,
          `${API_ORIGIN}:8443/api`,
          'http://api.example.com/api',
          `https://evil.example.com/${API_ORIGIN}`,
          `${location.protocol}//${location.hostname}:1/api`,
          `${location.origin}.evil.com/api`,
          `//evil.example.com/api`,
          `/\\evil.example.com/api`,
          `/\t/evil.example.com/api`,
        ];
        for (const url of foreign) {
          it(`sends ${url} without the token and never refreshes for it`, async () => {
            let status = 0;
            http.get(url).subscribe({ error: (error: HttpErrorResponse) => (status = error.status) });

            const req = httpTesting.expectOne(url);
            expect(bearerOf(req)).toBeNull();
            unauthorized(req);
            await flushStorage();

            expect(status).toBe(401);
            httpTesting.expectNone(REFRESH_URL);
          });
        }
      });

      describe('when the request is marked BYPASS_AUTH', () => {
        it('sends it without the token and passes its 401 through', async () => {
          let status = 0;
          http
            .get('/api/public', { context: new HttpContext().set(BYPASS_AUTH, true) })
            .subscribe({ error: (e: HttpErrorResponse) => (status = e.status) });

          const req = httpTesting.expectOne('/api/public');
          expect(bearerOf(req)).toBeNull();
          unauthorized(req);
          await flushStorage();

          expect(status).toBe(401);
          httpTesting.expectNone(REFRESH_URL);
        });
      });

      describe('with a context the caller shares between requests', () => {
        it('never writes to it, through a 401, the refresh and the retry', async () => {
          const context = new HttpContext();
          http.get('/api/resources', { context }).subscribe();
          http.get('https://evil.example.com/api', { context }).subscribe();
          httpTesting.expectOne('https://evil.example.com/api').flush('ok');
          unauthorized(httpTesting.expectOne('/api/resources'));
          await flushStorage();
          httpTesting.expectOne(REFRESH_URL).flush(mode.answer(2));
          await flushStorage();
          httpTesting.expectOne('/api/resources').flush('ok');

          expect([...context.keys()]).toEqual([]);
        });
      });

      describe('when no token is stored', () => {
        it('sends the request without Authorization and passes its 401 through without refreshing', async () => {
          store.clear();
          let status = 0;
          http.get('/api/resources').subscribe({ error: (e: HttpErrorResponse) => (status = e.status) });

          const req = httpTesting.expectOne('/api/resources');
          expect(req.request.headers.has('Authorization')).toBeFalse();
          unauthorized(req);
          await flushStorage();

          expect(status).toBe(401);
          httpTesting.expectNone(REFRESH_URL);
          expect(navigate).not.toHaveBeenCalled();
        });
      });

      for (const n of [3, 50]) {
        describe(`when ${n} concurrent requests get 401`, () => {
          it('refreshes once and retries each request once with the new token', async () => {
            const results = sendMany(n);
            const first = httpTesting.match((req) => req.url.startsWith('/api/resources'));
            expect(first.length).toBe(n);
            expect(first.every((req) => req.request.context.get(AUTH_ATTEMPT) === 'first')).toBeTrue();
            first.forEach(unauthorized);
            await flushStorage();

            const refresh = httpTesting.expectOne(REFRESH_URL);
            expect(refresh.request.body).toEqual(mode.presented('rt-1'));
            expect(refresh.request.headers.has('Authorization')).toBeFalse();
            refresh.flush(mode.answer(2));
            await flushStorage();

            const retries = httpTesting.match((req) => req.url.startsWith('/api/resources'));
            expect(retries.length).toBe(n);
            retries.forEach((req) => {
              expect(bearerOf(req)).toBe('Bearer at-2');
              expect(req.request.context.get(AUTH_ATTEMPT)).toBe('retry');
              req.flush(`body of ${req.request.url}`);
            });
            expect(results.map((result) => result.body)).toEqual(results.map((_, i) => `body of /api/resources?n=${i}`));
            expect(store.tokens()).toEqual(jasmine.objectContaining({ accessToken: 'at-2', refreshToken: 'rt-2' }));
          });
        });
      }

      describe('when a request starts while a refresh is in flight', () => {
        it('waits for the refresh and goes out once, with the new token', async () => {
          const results = sendMany(1);
          unauthorized(httpTesting.expectOne('/api/resources?n=0'));
          await flushStorage();
          const refresh = httpTesting.expectOne(REFRESH_URL);

          let late: unknown;
          http.get('/api/late').subscribe((body) => (late = body));
          await flushStorage();
          httpTesting.expectNone('/api/late');
          refresh.flush(mode.answer(2));
          await flushStorage();

          httpTesting.expectOne('/api/resources?n=0').flush('first');
          await flushStorage();
          const waited = httpTesting.expectOne('/api/late');
          expect(bearerOf(waited)).toBe('Bearer at-2');
          expect(waited.request.context.get(AUTH_ATTEMPT)).toBe('queued');
          waited.flush('late');
          await flushStorage();
          expect([results[0].body, late]).toEqual(['first', 'late']);
        });
      });

      describe('when a request that waited for the refresh gets 401 with the new token', () => {
        it('signs out instead of refreshing a second time', async () => {
          sendMany(1);
          unauthorized(httpTesting.expectOne('/api/resources?n=0'));
          await flushStorage();
          const refresh = httpTesting.expectOne(REFRESH_URL);
          let status = 0;
          http.get('/api/late').subscribe({ error: (e: HttpErrorResponse) => (status = e.status) });
          refresh.flush(mode.answer(2));
          await flushStorage();
          httpTesting.expectOne('/api/resources?n=0').flush('ok');
          await flushStorage();

          unauthorized(httpTesting.expectOne('/api/late'));
          await flushStorage();

          httpTesting.expectNone(REFRESH_URL);
          expect(status).toBe(401);
          expect(navigate).toHaveBeenCalledTimes(1);
        });
      });

      describe('when a 401 arrives after a refresh already finished (late 401)', () => {
        it('replays the request with the stored token without a second refresh', async () => {
          const results = sendMany(2);
          unauthorized(httpTesting.expectOne('/api/resources?n=0'));
          await flushStorage();
          httpTesting.expectOne(REFRESH_URL).flush(mode.answer(2));
          await flushStorage();
          httpTesting.expectOne((req) => req.url === '/api/resources?n=0' && req.headers.get('Authorization') === 'Bearer at-2').flush('a');
          await flushStorage();

          const slow = httpTesting.expectOne((req) => req.url === '/api/resources?n=1');
          expect(bearerOf(slow)).toBe('Bearer at-1');
          unauthorized(slow);
          await flushStorage();

          httpTesting.expectNone(REFRESH_URL);
          const replay = httpTesting.expectOne('/api/resources?n=1');
          expect(bearerOf(replay)).toBe('Bearer at-2');
          expect(replay.request.context.get(AUTH_ATTEMPT)).toBe('replay');
          replay.flush('b');
          await flushStorage();
          expect(results.map((r) => r.body)).toEqual(['a', 'b']);
        });
      });

      for (const [status, error] of [
        [400, 'invalid_grant'],
        [401, 'invalid_token'],
      ] as const) {
        describe(`when the refresh is rejected with ${status}`, () => {
          it('clears the tokens, navigates to login once with returnUrl, and fails every waiting request', async () => {
            const results = sendMany(3);
            httpTesting.match((req) => req.url.startsWith('/api/resources')).forEach(unauthorized);
            await flushStorage();

            httpTesting.expectOne(REFRESH_URL).flush({ error }, { status, statusText: 'Rejected' });
            await flushStorage();

            expect(store.tokens()).toBeNull();
            expect(storage.value).toBeNull();
            expect(navigate).toHaveBeenCalledOnceWith(['/login'], { queryParams: { returnUrl: '/reports?page=2' } });
            expect(results.map((r) => r.error?.status)).toEqual([status, status, status]);
          });

          it('lets later requests fail without another refresh or navigation', async () => {
            sendMany(1);
            unauthorized(httpTesting.expectOne('/api/resources?n=0'));
            await flushStorage();
            httpTesting.expectOne(REFRESH_URL).flush({ error }, { status, statusText: 'Rejected' });
            await flushStorage();

            const later = sendMany(2, '/api/later');
            const sent = httpTesting.match((req) => req.url.startsWith('/api/later'));
            sent.forEach((req) => expect(req.request.headers.has('Authorization')).toBeFalse());
            sent.forEach(unauthorized);
            await flushStorage();

            httpTesting.expectNone(REFRESH_URL);
            expect(later.map((r) => r.error?.status)).toEqual([401, 401]);
            expect(navigate).toHaveBeenCalledTimes(1);
          });
        });
      }

      describe('when the refresh fails transiently', () => {
        const failures: readonly { readonly name: string; readonly fail: (req: TestRequest) => void; readonly status: number }[] = [
          { name: 'a network error', fail: (req) => req.error(new ProgressEvent('error')), status: 0 },
          { name: 'a 503', fail: (req) => req.flush({ error: 'unavailable' }, { status: 503, statusText: 'Unavailable' }), status: 503 },
          { name: 'a 500', fail: (req) => req.flush(null, { status: 500, statusText: 'Server Error' }), status: 500 },
          {
            name: 'a 200 without the tokens',
            fail: (req) => req.flush({ ...mode.answer(2), authorizationToken: undefined }),
            status: 200,
          },
        ];
        for (const failure of failures) {
          it(`keeps the session on ${failure.name}, fails the waiters with it, and refreshes again on the next 401`, async () => {
            const results = sendMany(2);
            httpTesting.match((req) => req.url.startsWith('/api/resources')).forEach(unauthorized);
            await flushStorage();

            failure.fail(httpTesting.expectOne(REFRESH_URL));
            await flushStorage();

            expect(results.map((r) => r.error?.status)).toEqual([failure.status, failure.status]);
            expect(results.map((r) => r.error?.url)).toEqual([REFRESH_URL, REFRESH_URL]);
            expect(store.refreshToken()).toBe('rt-1');
            expect(navigate).not.toHaveBeenCalled();

            const next = sendMany(1, '/api/again');
            unauthorized(httpTesting.expectOne('/api/again?n=0'));
            await flushStorage();
            httpTesting.expectOne(REFRESH_URL).flush(mode.answer(2));
            await flushStorage();
            httpTesting.expectOne('/api/again?n=0').flush('ok');
            await flushStorage();
            expect(next[0].body).toBe('ok');
          });
        }

        describe('on a fake clock', () => {
          // mockDate: the refresh timeout reads the time of the last 401 that joined, so Date.now must follow the clock.
          beforeEach(() => jasmine.clock().install().mockDate());
          afterEach(() => jasmine.clock().uninstall());

          it('keeps the waiters waiting while more 401s keep joining the refresh', async () => {
            const results = sendMany(3);
            const sent = httpTesting.match((req) => req.url.startsWith('/api/resources'));
            unauthorized(sent[0]);
            await flushStorage();
            const refresh = httpTesting.expectOne(REFRESH_URL);

            jasmine.clock().tick(DEFAULT_AUTH_CONFIG.refreshTimeoutMs - 1);
            unauthorized(sent[1]);
            await flushStorage();
            jasmine.clock().tick(DEFAULT_AUTH_CONFIG.refreshTimeoutMs - 1);
            unauthorized(sent[2]);
            await flushStorage();
            jasmine.clock().tick(DEFAULT_AUTH_CONFIG.refreshTimeoutMs - 1);
            refresh.flush(mode.answer(2));
            await flushStorage();
            httpTesting.match((req) => req.url.startsWith('/api/resources')).forEach((req) => req.flush('ok'));
            await flushStorage();

            expect(results.map((r) => r.body)).toEqual(['ok', 'ok', 'ok']);
          });

          it('lets 200 401s join one refresh with work that grows with their number, not its square', async () => {
            const results = sendMany(200);
            const sent = httpTesting.match((req) => req.url.startsWith('/api/resources'));
            unauthorized(sent[0]);
            await flushStorage();
            const refresh = httpTesting.expectOne(REFRESH_URL);
            // Counted by hand: a spy on the clock's setTimeout would outlive the clock and break the specs after it.
            const clockTimeout = window.setTimeout;
            let timers = 0;
            window.setTimeout = ((...args: Parameters<typeof setTimeout>) => (timers++, clockTimeout(...args))) as typeof setTimeout;
            try {
              sent.slice(1).forEach((req) => unauthorized(req));
              await flushStorage();
            } finally {
              window.setTimeout = clockTimeout;
            }

            // Each waiter arms its timeout once. Telling every waiter of every join re-armed them all: 199 × 200 / 2.
            expect(timers).toBeLessThan(2 * 200);
            refresh.flush(mode.answer(2));
            await flushStorage();
            httpTesting.match((req) => req.url.startsWith('/api/resources')).forEach((req) => req.flush('ok'));
            await flushStorage();
            expect(results.filter((r) => r.body === 'ok').length).toBe(200);
          });

          it('fails the waiters when the refresh outlasts refreshTimeoutMs, and keeps the session', async () => {
            const results = sendMany(1);
            unauthorized(httpTesting.expectOne('/api/resources?n=0'));
            await flushStorage();
            const refresh = httpTesting.expectOne(REFRESH_URL);

            jasmine.clock().tick(DEFAULT_AUTH_CONFIG.refreshTimeoutMs + 1);
            refresh.flush(mode.answer(2));
            await flushStorage();

            expect(results[0].error?.status).toBe(0);
            expect(results[0].error?.statusText).toBe('Refresh timed out');
            expect(store.refreshToken()).toBe('rt-2');
            expect(navigate).not.toHaveBeenCalled();
          });
        });
      });

      describe('when the retried request gets 401 again', () => {
        it('signs out once, without a second refresh or retry', async () => {
          const results = sendMany(2);
          httpTesting.match((req) => req.url.startsWith('/api/resources')).forEach(unauthorized);
          await flushStorage();
          httpTesting.expectOne(REFRESH_URL).flush(mode.answer(2));
          await flushStorage();

          httpTesting.match((req) => req.url.startsWith('/api/resources')).forEach(unauthorized);
          await flushStorage();

          httpTesting.expectNone(REFRESH_URL);
          httpTesting.expectNone((req) => req.url.startsWith('/api/resources'));
          expect(results.map((r) => r.error?.status)).toEqual([401, 401]);
          expect(store.tokens()).toBeNull();
          expect(navigate).toHaveBeenCalledTimes(1);
        });
      });

      describe('when a 401 names an error other than invalid_token', () => {
        it('passes it through without refreshing or signing out', async () => {
          const results = sendMany(1);

          httpTesting
            .expectOne('/api/resources?n=0')
            .flush(
              { error: 'wrong_current_password' },
              { status: 401, statusText: 'Unauthorized', headers: { 'WWW-Authenticate': 'Bearer realm="api", error="invalid_request"' } },
            );
          await flushStorage();

          httpTesting.expectNone(REFRESH_URL);
          expect(results[0].error?.status).toBe(401);
          expect(store.accessToken()).toBe('at-1');
        });
      });

      describe('when a 401 carries an invalid_token challenge', () => {
        it('refreshes and retries', async () => {
          const results = sendMany(1);
          const challenge = 'Bearer realm="api", error="invalid_token", error_description="The access token expired"';

          httpTesting
            .expectOne('/api/resources?n=0')
            .flush({}, { status: 401, statusText: 'Unauthorized', headers: { 'WWW-Authenticate': challenge } });
          await flushStorage();
          httpTesting.expectOne(REFRESH_URL).flush(mode.answer(2));
          await flushStorage();
          httpTesting.expectOne('/api/resources?n=0').flush('ok');
          await flushStorage();

          expect(results[0].body).toBe('ok');
        });
      });

      describe('when the response is another error', () => {
        for (const status of [403, 404, 500, 0]) {
          it(`passes a ${status} through untouched and never refreshes`, async () => {
            const results = sendMany(1);

            const req = httpTesting.expectOne('/api/resources?n=0');
            if (status === 0) {
              req.error(new ProgressEvent('error'));
            } else {
              req.flush({ error: 'nope' }, { status, statusText: 'Nope' });
            }
            await flushStorage();

            httpTesting.expectNone(REFRESH_URL);
            expect(results[0].error?.status).toBe(status);
            expect(results[0].error?.url).toBe('/api/resources?n=0');
            expect(store.accessToken()).toBe('at-1');
          });
        }
      });

      describe('when every waiting request is unsubscribed mid-refresh', () => {
        it('lets the refresh finish and stores the rotated pair', async () => {
          const trigger = new Subject<number>();
          const subscription: Subscription = trigger.pipe(switchMap((i) => http.get(`/api/search?q=${i}`))).subscribe();
          trigger.next(1);
          unauthorized(httpTesting.expectOne('/api/search?q=1'));
          await flushStorage();
          const refresh = httpTesting.expectOne(REFRESH_URL);

          trigger.next(2);
          subscription.unsubscribe();
          await flushStorage();
          httpTesting.expectNone('/api/search?q=2');

          expect(refresh.cancelled).toBeFalse();
          refresh.flush(mode.answer(2));
          await flushStorage();
          expect(store.tokens()?.refreshToken).toBe('rt-2');
          expect(storage.value).toEqual(jasmine.objectContaining({ refreshToken: 'rt-2' }));
          httpTesting.expectNone('/api/search?q=1');
        });
      });
    });
  }
