import { TestBed } from '@angular/core/testing';
import { ActivatedRouteSnapshot, Router, RouterStateSnapshot, UrlTree, provideRouter } from '@angular/router';
import { provideAuthTesting } from 'angular-token-refresh/testing';

import { authGuard } from './auth-guard';
import { TokenStore } from './token-store';

describe('authGuard', () => {
  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideRouter([]), ...provideAuthTesting()] });
  });

  function runGuard(url: string) {
    return TestBed.runInInjectionContext(() => authGuard({} as ActivatedRouteSnapshot, { url } as RouterStateSnapshot));
  }

  describe('when signed in', () => {
    it('lets the navigation through', () => {
      TestBed.inject(TokenStore).set({ sessionId: 's1', userId: 'u1', userName: 'demo', accessToken: 'at', refreshToken: 'rt' });

      expect(runGuard('/')).toBeTrue();
    });
  });

  describe('when signed out', () => {
    it('redirects to /login with the requested URL as returnUrl', () => {
      const result = runGuard('/?tab=2');

      expect(result).toBeInstanceOf(UrlTree);
      expect(TestBed.inject(Router).serializeUrl(result as UrlTree)).toBe('/login?returnUrl=%2F%3Ftab%3D2');
    });
  });
});
