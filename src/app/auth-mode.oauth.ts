import { AuthFeature, withOAuth2 } from 'angular-token-refresh';

/**
 * OAuth 2.0 with OpenID Connect (`npm run start:oauth`): the demo signs in at the local oidc-provider that serves it,
 * by redirect (Authorization Code with PKCE), and refreshes there (see auth-mode.ts).
 */
export const AUTH_FEATURES: AuthFeature[] = [
  withOAuth2({
    issuer: `${location.origin}/oidc`,
    clientId: 'demo',
    scope: 'openid profile api',
    postLogoutRedirectUri: `${location.origin}/`,
  }),
];

/** Users sign in at the authorization server's own pages. */
export const SIGN_IN_BY_REDIRECT = true;
