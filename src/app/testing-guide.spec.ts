// docs/testing.md shows this file as it is: an app's spec with the real interceptor, its storage in memory.
import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ApplicationInitStatus } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { DEFAULT_AUTH_CONFIG, authInterceptor, provideAuth } from 'angular-token-refresh';
import { MemoryStorage, flushStorage, provideAuthTesting } from 'angular-token-refresh/testing';

const UNAUTHORIZED = { status: 401, statusText: 'Unauthorized' };

describe('the app with a stored session', () => {
  let http: HttpClient;
  let httpTesting: HttpTestingController;

  beforeEach(async () => {
    const storage = new MemoryStorage();
    storage.value = { sessionId: 's1', userId: 'u1', userName: 'demo', accessToken: 'expired', refreshToken: 'rt-1' };
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        provideAuth(),
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        // In-memory storage, no channels between tabs, no Web Locks: each spec is one tab of its own.
        ...provideAuthTesting(storage),
      ],
    });
    await TestBed.inject(ApplicationInitStatus).donePromise;
    http = TestBed.inject(HttpClient);
    httpTesting = TestBed.inject(HttpTestingController);
  });

  afterEach(() => httpTesting.verify());

  describe('when three requests get 401', () => {
    it('refreshes once and retries each with the new token', async () => {
      const bodies: string[] = [];
      for (const path of ['/api/a', '/api/b', '/api/c']) {
        http.get(path, { responseType: 'text' }).subscribe((body) => bodies.push(body));
      }

      httpTesting.match(() => true).forEach((req) => req.flush(null, UNAUTHORIZED));
      await flushStorage();
      const refresh = httpTesting.expectOne(DEFAULT_AUTH_CONFIG.refreshUrl);
      refresh.flush({
        userId: 'u1',
        userName: 'demo',
        authorizationToken: 'fresh',
        refreshToken: 'rt-2',
        tokenType: 'Bearer',
        expiresIn: 300,
      });
      await flushStorage();
      const retries = httpTesting.match(() => true);
      retries.forEach((req) => req.flush(`${req.request.url} ok`));

      expect(refresh.request.body).toEqual({ refreshToken: 'rt-1' });
      expect(retries.map((req) => req.request.headers.get('Authorization'))).toEqual(Array(3).fill('Bearer fresh'));
      expect(bodies.sort()).toEqual(['/api/a ok', '/api/b ok', '/api/c ok']);
    });
  });
});
