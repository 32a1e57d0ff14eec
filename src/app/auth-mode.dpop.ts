import { AuthFeature, withDPoP } from 'angular-token-refresh';

/**
 * DPoP (`npm run start:dpop`): tokens bound to a key this browser holds and cannot export, against the bundled server
 * with DPOP=required and rotating nonces (see auth-mode.ts).
 */
export const AUTH_FEATURES: AuthFeature[] = [withDPoP()];

/** DPoP signs in with the password form. */
export const SIGN_IN_BY_REDIRECT = false;
