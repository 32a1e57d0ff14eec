import { AuthFeature, withRefreshTokenCookie } from 'angular-token-refresh';

/** Cookie mode: the refresh token is an HttpOnly cookie, the access token lives in memory (see auth-mode.ts). */
export const AUTH_FEATURES: AuthFeature[] = [withRefreshTokenCookie()];

/** Cookie mode signs in with the password form. */
export const SIGN_IN_BY_REDIRECT = false;
