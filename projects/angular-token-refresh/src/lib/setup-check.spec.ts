import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { ApplicationInitStatus, EnvironmentProviders, Provider } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { MemoryStorage } from 'angular-token-refresh/testing';
import { firstValueFrom } from 'rxjs';

import { authInterceptor } from './auth-interceptor';
import { provideAuth } from './provide-auth';
import { AUTH_EVENT_CHANNEL, TAB_ID } from './auth-events';
import { LOCK_MANAGER } from './tab-lock';
import { TOKEN_CHANNEL, TOKEN_STORAGE } from './token-storage';

const SIGNED_IN = { sessionId: 's1', userId: 'u1', userName: 'demo', accessToken: 'at-1', refreshToken: 'rt-1' };

// Real requests to Karma's own server (its context page), so the browser's resource timing sees them as it does in an app.
describe('SetupCheck, in a development build', () => {
  let warn: jasmine.Spy;

  beforeEach(() => {
    warn = spyOn(console, 'warn');
  });

  async function app(...providers: (Provider | EnvironmentProviders)[]): Promise<HttpClient> {
    const storage = new MemoryStorage();
    await storage.update(() => SIGNED_IN);
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        { provide: TOKEN_STORAGE, useValue: storage },
        { provide: TOKEN_CHANNEL, useValue: null },
        { provide: LOCK_MANAGER, useValue: null },
        { provide: AUTH_EVENT_CHANNEL, useValue: null },
        { provide: TAB_ID, useValue: 'test' },
        ...providers,
      ],
    });
    await TestBed.inject(ApplicationInitStatus).donePromise;
    return TestBed.inject(HttpClient);
  }

  async function send(http: HttpClient, times = 2): Promise<void> {
    for (let i = 0; i < times; i++) {
      await firstValueFrom(http.get(`/context.html?setup-check=${i}`, { responseType: 'text' })).catch(() => undefined);
    }
    // Resource timing reports a finished request a little later, in its own task.
    await new Promise((resolve) => setTimeout(resolve, 300));
  }

  const warnings = () => warn.calls.allArgs().map(([message]) => String(message));

  describe('when provideAuth has no interceptor', () => {
    it('names the missing interceptor once, with the line to add', async () => {
      const http = await app(provideHttpClient(), provideAuth());

      await send(http);

      expect(warnings().length).toBe(1);
      expect(warnings()[0]).toContain('authInterceptor has not seen any request');
      expect(warnings()[0]).toContain('/context.html?setup-check=0');
      expect(warnings()[0]).toContain('provideHttpClient(withInterceptors([authInterceptor]))');
    });
  });

  describe('when the interceptor runs without provideAuth', () => {
    it('names the missing provideAuth once', async () => {
      const http = await app(provideHttpClient(withInterceptors([authInterceptor])));

      await send(http);

      expect(warnings().length).toBe(1);
      expect(warnings()[0]).toContain('authInterceptor is in use, but provideAuth() is not');
    });
  });

  describe('when both pieces are there', () => {
    it('stays silent', async () => {
      const http = await app(provideHttpClient(withInterceptors([authInterceptor])), provideAuth());

      await send(http);

      expect(warnings()).toEqual([]);
    });
  });
});
