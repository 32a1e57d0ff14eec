import { inject } from '@angular/core';
import { CanActivateFn, Router } from '@angular/router';

import { AUTH_CONFIG } from './auth-config';
import { TokenStore } from './token-store';

/** Lets signed-in users through; sends others to the login page with a `returnUrl`. */
export const authGuard: CanActivateFn = (_route, state) => {
  const store = inject(TokenStore);
  const router = inject(Router);
  const loginPath = inject(AUTH_CONFIG).loginPath;

  return store.tokens() ? true : router.createUrlTree([loginPath], { queryParams: { returnUrl: state.url } });
};
