/*
 * angular-token-refresh: concurrent 401s share exactly one refresh of a rotating, single-use refresh token, across
 * every tab. This file is the whole public API of the main entry point.
 */
export { provideAuth, withBackend, withDPoP, withOAuth2, withRefreshTokenCookie, withSessionEnd } from './lib/provide-auth';
export { DPOP, DPoPProofs } from './lib/dpop';
export type { AuthFeature, AuthFeatureKind } from './lib/provide-auth';
export { AUTH_CONFIG, DEFAULT_AUTH_CONFIG } from './lib/auth-config';
export type { AuthConfig } from './lib/auth-config';
export { AUTH_ATTEMPT, AuthInterceptor, authInterceptor } from './lib/auth-interceptor';
export { authGuard } from './lib/auth-guard';
export { AuthService } from './lib/auth-service';
export type { AuthAttempt } from './lib/auth-service';
export { TokenStore } from './lib/token-store';
export type { TokenPair } from './lib/token-pair';
export { BYPASS_AUTH, bypassAuth } from './lib/bypass-auth';
export { AUTH_EVENT_CHANNEL, AuthEvents, TAB_ID } from './lib/auth-events';
export type { AuthEvent, AuthEventKind, RefreshTrigger, SignOutReason } from './lib/auth-events';
export { AUTH_BACKEND, REFRESH_TOKEN_COOKIE, ROTATION_ID, isClientRejection } from './lib/auth-backend';
export type { AuthBackend, TokenSet } from './lib/auth-backend';
export type { TokenResponse } from './lib/bundled-server-backend';
export { isInvalidGrant } from './lib/oauth2-backend';
export type { OAuth2Options } from './lib/oauth2-backend';
export { SESSION_END_HANDLER, navigateToLogin } from './lib/session-end';
export type { SessionEndHandler } from './lib/session-end';
export { TOKEN_CHANNEL, TOKEN_STORAGE } from './lib/token-storage';
export type { TokenStorage } from './lib/token-storage';
export { LOCK_MANAGER } from './lib/tab-lock';
export type { TabLockManager } from './lib/tab-lock';
export { APP_ORIGIN } from './lib/trusted-url';
export { RefreshRejected } from './lib/token-rotation';
export { SignInError } from './lib/sign-in-error';
export type { SignInErrorCode } from './lib/sign-in-error';
// For angular-token-refresh/testing only: marks the auth layer as configured in specs that leave out provideAuth.
export { AUTH_CONFIGURED as ɵAUTH_CONFIGURED } from './lib/setup-check';
