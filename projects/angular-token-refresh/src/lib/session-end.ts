import { InjectionToken, inject } from '@angular/core';
import { Router } from '@angular/router';

import { AUTH_CONFIG } from './auth-config';
import type { SignOutReason } from './auth-events';

/** What the app does when the session ends; called in an injection context, so it may `inject()`. */
export type SessionEndHandler = (reason: SignOutReason) => void;

/** The app's {@link SessionEndHandler}; by default {@link navigateToLogin}. Set it with `withSessionEnd()`. */
export const SESSION_END_HANDLER = new InjectionToken<SessionEndHandler>('SESSION_END_HANDLER', {
  providedIn: 'root',
  factory: () => navigateToLogin,
});

/** Sends the user to the login path, with a `returnUrl` to come back to unless they signed out themselves. */
export function navigateToLogin(reason: SignOutReason): void {
  const router = inject(Router);
  const { loginPath } = inject(AUTH_CONFIG);
  const returnUrl = router.url;
  const queryParams = reason === 'user' || returnUrl.startsWith(loginPath) ? {} : { returnUrl };
  void router.navigate([loginPath], { queryParams });
}
