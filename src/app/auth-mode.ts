import { AuthFeature } from 'angular-token-refresh';

/**
 * How the demo keeps the refresh token: here in IndexedDB, with the pair (the default). The `cookie` build
 * configuration (`npm run start:cookie`) swaps in auth-mode.cookie.ts: an HttpOnly cookie, the access token in memory.
 */
export const AUTH_FEATURES: AuthFeature[] = [];
