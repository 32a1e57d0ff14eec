/** Why a sign-in by redirect was refused; nothing was stored. */
export type SignInErrorCode =
  /** The authorization server answered with an `error` (e.g. `access_denied`); `detail` is its description. */
  | 'provider-error'
  /** The callback's `state` does not match a sign-in this tab started, or this tab has no sign-in in progress (a callback URL opened twice, or after the tab lost its session storage). */
  | 'unknown-state'
  /** The server's answer failed a check: the code exchange, or the ID token (issuer, audience, nonce, expiry). */
  | 'invalid-response'
  /** The authorization server could not be reached, or answered with a server error. */
  | 'unreachable';

/** A refused sign-in by redirect, as `AuthService.signInError` reports it. */
export class SignInError extends Error {
  constructor(
    readonly code: SignInErrorCode,
    message: string,
    /** What the authorization server said, where it said something (`error_description`, or the check that failed). */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'SignInError';
  }
}
