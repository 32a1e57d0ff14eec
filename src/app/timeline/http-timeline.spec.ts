import { HttpClient, HttpContext, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { DEFAULT_AUTH_CONFIG, TokenStore, authInterceptor } from 'angular-token-refresh';
import { flushStorage, provideAuthTesting } from 'angular-token-refresh/testing';

import { HttpTimeline, REQUEST_LABEL } from './http-timeline';
import { timelineInterceptor } from './timeline-interceptor';

describe('HttpTimeline', () => {
  let http: HttpClient;
  let httpTesting: HttpTestingController;
  let timeline: HttpTimeline;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        provideHttpClient(withInterceptors([authInterceptor, timelineInterceptor])),
        provideHttpClientTesting(),
        ...provideAuthTesting(),
      ],
    });
    http = TestBed.inject(HttpClient);
    httpTesting = TestBed.inject(HttpTestingController);
    timeline = TestBed.inject(HttpTimeline);
    TestBed.inject(TokenStore).set({ sessionId: 's1', userId: 'u1', userName: 'demo', accessToken: 'token-aaaaaa', refreshToken: 'rt-1' });
  });

  afterEach(() => httpTesting.verify());

  describe('when a request is refused and recovered by a refresh', () => {
    it('records the request, the refresh and the retry, each with its label, token tail and status', async () => {
      http.get('/api/resources', { context: new HttpContext().set(REQUEST_LABEL, '#1') }).subscribe();

      httpTesting.expectOne('/api/resources').flush({}, { status: 401, statusText: 'Unauthorized' });
      await flushStorage();
      const refreshed = {
        userId: 'u1',
        userName: 'demo',
        authorizationToken: 'token-bbbbbb',
        refreshToken: 'rt-2',
        tokenType: 'Bearer',
        expiresIn: 300,
      };
      httpTesting.expectOne(DEFAULT_AUTH_CONFIG.refreshUrl).flush(refreshed);
      await flushStorage();
      httpTesting.expectOne('/api/resources').flush('ok');
      await flushStorage();

      expect(
        timeline.entries().map(({ label, kind, method, url, token, status }) => ({ label, kind, method, url, token, status })),
      ).toEqual([
        { label: '#1', kind: 'request', method: 'GET', url: '/api/resources', token: 'aaaaaa', status: 401 },
        { label: '', kind: 'refresh', method: 'POST', url: DEFAULT_AUTH_CONFIG.refreshUrl, token: null, status: 200 },
        { label: '#1', kind: 'retry', method: 'GET', url: '/api/resources', token: 'bbbbbb', status: 200 },
      ]);
      expect(timeline.counts()).toEqual({ requests: 1, unauthorized: 1, refreshes: 1, retries: 1 });
      expect(timeline.entries().every((entry) => entry.end !== null && entry.end >= entry.start)).toBeTrue();
    });
  });

  describe('when a request is cancelled', () => {
    it('ends its row with no status', async () => {
      const subscription = http.get('/api/slow').subscribe();
      const request = httpTesting.expectOne('/api/slow');

      subscription.unsubscribe();

      expect(request.cancelled).toBeTrue();
      expect(timeline.entries().map((entry) => [entry.url, entry.status, entry.end !== null])).toEqual([['/api/slow', null, true]]);
    });
  });

  describe('when reset', () => {
    it('forgets every row', async () => {
      http.get('/api/resources').subscribe({ error: () => undefined });
      httpTesting.expectOne('/api/resources').error(new ProgressEvent('error'));

      const before = timeline.entries().map((entry) => entry.status);
      timeline.reset();

      expect(before).toEqual([0]);
      expect(timeline.entries()).toEqual([]);
    });
  });
});
