import { DestroyRef, Injectable, InjectionToken, inject } from '@angular/core';

import { AngularZone } from './angular-zone';
import { AUTH_CONFIG } from './auth-config';
import { TokenStore } from './token-store';
import { APP_ORIGIN, isTrustedUrl } from './trusted-url';

/**
 * Whether the app configured the auth layer (`provideAuth`, or `provideAuthTesting` in a spec). Read in development
 * only, so that a forgotten piece is named in the console instead of leaving every request without its token.
 */
export const AUTH_CONFIGURED = new InjectionToken<boolean>('AUTH_CONFIGURED', { providedIn: 'root', factory: () => false });

/** Names the missing piece of the setup, once per app, in development builds (callers guard with `ngDevMode`). */
@Injectable({ providedIn: 'root' })
export class SetupCheck {
  private readonly configured = inject(AUTH_CONFIGURED);
  private readonly store = inject(TokenStore);
  private readonly config = inject(AUTH_CONFIG);
  private readonly appOrigin = inject(APP_ORIGIN);
  private readonly zone = inject(AngularZone);
  private readonly destroyRef = inject(DestroyRef);
  private interceptorSeen = false;
  private warned = false;

  /** Called by the interceptor for each request it sees. */
  interceptorRan(): void {
    this.interceptorSeen = true;
    if (!this.configured) {
      this.warnOnce(
        'authInterceptor is in use, but provideAuth() is not: no session is loaded, so requests go out without a token. ' +
          'Add provideAuth() to the app providers (app.config.ts, or the providers of AppModule).',
      );
    }
  }

  /**
   * Called by `provideAuth` in the browser: watches the requests the page sends, and says so when one goes to a trusted
   * origin while signed in, and the interceptor has not seen any request (it would have attached the token).
   */
  watchForInterceptor(): void {
    if (typeof PerformanceObserver === 'undefined' || this.appOrigin === null) {
      return;
    }
    const appOrigin = this.appOrigin;
    const observer = new PerformanceObserver((list) => {
      const untokened = list
        .getEntries()
        .find(
          (entry) =>
            ['fetch', 'xmlhttprequest'].includes((entry as PerformanceResourceTiming).initiatorType) &&
            this.store.tokens() !== null &&
            isTrustedUrl(entry.name, appOrigin, this.config.apiOrigins),
        );
      if (this.interceptorSeen || this.warned) {
        observer.disconnect();
      } else if (untokened) {
        observer.disconnect();
        this.warnOnce(
          `provideAuth() is set up, but authInterceptor has not seen any request, and ${untokened.name} was just sent ` +
            'without the access token. Add the interceptor where HttpClient is provided: ' +
            'provideHttpClient(withInterceptors([authInterceptor])), or with class interceptors ' +
            '{ provide: HTTP_INTERCEPTORS, useClass: AuthInterceptor, multi: true } and provideHttpClient(withInterceptorsFromDi()).',
        );
      }
    });
    this.zone.outside(() => observer.observe({ type: 'resource' }));
    this.destroyRef.onDestroy(() => observer.disconnect());
  }

  private warnOnce(message: string): void {
    if (!this.warned) {
      this.warned = true;
      console.warn(`angular-token-refresh: ${message}`);
    }
  }
}
