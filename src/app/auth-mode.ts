import { AuthFeature } from 'angular-token-refresh';

/**
 * How the demo keeps the refresh token: here in IndexedDB, with the pair (the default). The `cookie` build
 * configuration (`npm run start:cookie`) swaps in auth-mode.cookie.ts: an HttpOnly cookie, the access token in memory; the
 * `oauth` one (`npm run start:oauth`) auth-mode.oauth.ts: sign-in at a local oidc-provider; the `dpop` one
 * (`npm run start:dpop`) auth-mode.dpop.ts: tokens bound to a key of this browser's (DPoP).
 */
export const AUTH_FEATURES: AuthFeature[] = [];

/** Whether users sign in at an authorization server (the `oauth` configuration) instead of with the password form. */
export const SIGN_IN_BY_REDIRECT = false;
