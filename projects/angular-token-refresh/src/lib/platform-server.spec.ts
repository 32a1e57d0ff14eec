import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { PLATFORM_ID } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { firstValueFrom } from 'rxjs';

import { AUTH_EVENT_CHANNEL } from './auth-events';
import { authInterceptor } from './auth-interceptor';
import { provideAuth } from './provide-auth';
import { RefreshScheduler } from './refresh-scheduler';
import { LOCK_MANAGER } from './tab-lock';
import { TOKEN_CHANNEL, TOKEN_STORAGE } from './token-storage';
import { TokenStore } from './token-store';
import { APP_ORIGIN } from './trusted-url';

// The real providers, no testing overrides, on the platform `@angular/ssr` renders with.
describe('the auth layer on the server (@angular/ssr)', () => {
  let httpTesting: HttpTestingController;

  beforeEach(() => {
    spyOn(window, 'setTimeout').and.callThrough();
    spyOn(window, 'BroadcastChannel').and.callThrough();
    spyOn(indexedDB, 'open').and.callThrough();
    spyOn(navigator.locks, 'request').and.callThrough();
    TestBed.configureTestingModule({
      providers: [
        { provide: PLATFORM_ID, useValue: 'server' },
        provideRouter([]),
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideAuth(),
      ],
    });
    httpTesting = TestBed.inject(HttpTestingController);
  });

  afterEach(() => httpTesting.verify());

  it('opens no IndexedDB, BroadcastChannel or Web Lock, and starts no timer, even at bootstrap', async () => {
    await TestBed.inject(TokenStore).reload();
    const scheduler = TestBed.inject(RefreshScheduler);
    spyOn(scheduler, 'start');

    expect(TestBed.inject(TOKEN_STORAGE)).toBeNull();
    expect(TestBed.inject(TOKEN_CHANNEL)).toBeNull();
    expect(TestBed.inject(AUTH_EVENT_CHANNEL)).toBeNull();
    expect(TestBed.inject(LOCK_MANAGER)).toBeNull();
    expect(TestBed.inject(APP_ORIGIN)).toBeNull();
    expect(indexedDB.open).not.toHaveBeenCalled();
    expect(window.BroadcastChannel).not.toHaveBeenCalled();
    expect(navigator.locks.request).not.toHaveBeenCalled();
    expect(window.setTimeout).not.toHaveBeenCalled();
  });

  it('passes requests through untouched, even holding a pair: no header, and a 401 goes to the caller with no refresh', async () => {
    await TestBed.inject(TokenStore).set({ sessionId: 's1', accessToken: 'at-1', refreshToken: 'rt-1' });
    const http = TestBed.inject(HttpClient);
    const result = firstValueFrom(http.get('/api/data'));
    const req = httpTesting.expectOne('/api/data');
    expect(req.request.headers.has('Authorization')).toBeFalse();
    req.flush(null, { status: 401, statusText: 'Unauthorized' });

    await expectAsync(result).toBeRejectedWith(jasmine.objectContaining({ status: 401 }));
    httpTesting.expectNone('/authorization/refresh');
  });
});
