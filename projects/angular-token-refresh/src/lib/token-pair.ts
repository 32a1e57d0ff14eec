import { HttpErrorResponse } from '@angular/common/http';

/** The signed-in user's tokens, as this tab and its siblings share them. */
export interface TokenPair {
  /** Made up by the client at sign-in and kept through rotations: which sign-in this pair belongs to. */
  readonly sessionId: string;
  /** Who signed in, where the server said. */
  readonly userId?: string;
  /** The name to show for the signed-in user, where the server said. */
  readonly userName?: string;
  /** The access token; `''` while this tab has the session but not its token yet (cookie mode, after a reload). */
  readonly accessToken: string;
  /** The refresh token; in cookie mode, where the token is an HttpOnly cookie, the id of the rotation it belongs to. */
  readonly refreshToken: string;
  /** When the access token expires, in this device's clock (epoch ms); absent when unknown. */
  readonly expiresAt?: number;
  /**
   * The id of the refresh that presents this refresh token (sent as `Refresh-Attempt`), stored before it leaves so
   * that any tab, or this one after a reload, presents it again with the same id; absent until the first try.
   */
  readonly attempt?: string;
  /** The OpenID Connect ID token of the sign-in, where there was one: for RP-initiated logout. */
  readonly idToken?: string;
}

/** The longest token the auth layer stores or sends; longer ones would overflow common header limits (8 kB). */
export const MAX_TOKEN_LENGTH = 8_192;

/** `value` as a {@link TokenPair}, or `null` for anything else: wrong shapes, missing fields, tokens that cannot be sent. */
export function parseTokenPair(value: unknown): TokenPair | null {
  if (typeof value !== 'object' || value === null) {
    return null;
  }
  const { sessionId, userId, userName, accessToken, refreshToken, expiresAt, attempt, idToken } = value as Record<string, unknown>;
  if (
    !isId(sessionId) ||
    !isOptionalId(userId) ||
    !isOptionalId(userName) ||
    !(accessToken === '' || isSendableToken(accessToken)) ||
    !isSendableToken(refreshToken) ||
    !(attempt === undefined || isAttemptId(attempt)) ||
    !(idToken === undefined || isSendableToken(idToken))
  ) {
    return null;
  }
  return {
    sessionId,
    ...(userId === undefined ? {} : { userId }),
    ...(userName === undefined ? {} : { userName }),
    accessToken,
    refreshToken,
    ...(typeof expiresAt === 'number' && Number.isFinite(expiresAt) ? { expiresAt } : {}),
    ...(attempt === undefined ? {} : { attempt }),
    ...(idToken === undefined ? {} : { idToken }),
  };
}

/** A new refresh attempt's id: 32 random hex digits, as `Refresh-Attempt` takes them (16 to 128 URL-safe characters). */
export function newAttemptId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * The pair a backend's token set makes for session `sessionId`: for a refresh, `previous` gives the user and the
 * refresh token to keep when the server sends none. `null` when the set is unusable: tokens that cannot be sent,
 * an expiry that is not a positive number of seconds.
 */
export function pairFromTokenSet(set: unknown, sessionId: string, previous?: TokenPair, receivedAt = Date.now()): TokenPair | null {
  if (typeof set !== 'object' || set === null) {
    return null;
  }
  const { accessToken, refreshToken, expiresIn, userId, userName, idToken } = set as Record<string, unknown>;
  if (expiresIn !== undefined && (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0)) {
    return null;
  }
  return parseTokenPair({
    sessionId,
    // A refresh cannot change who is signed in.
    userId: previous ? previous.userId : userId,
    userName: previous ? previous.userName : userName,
    accessToken,
    refreshToken: refreshToken ?? previous?.refreshToken,
    // A refresh may bring a new ID token (OpenID Connect Core §12.2); without one, the sign-in's stays.
    idToken: idToken ?? previous?.idToken,
    // Measured on this device's clock from the moment of receipt, so server clock skew cannot shift it.
    expiresAt: expiresIn === undefined ? undefined : receivedAt + expiresIn * 1000,
  });
}

/** Whether `a` and `b` belong to one sign-in (either may be a rotation of the other). */
export function sameSession(a: TokenPair | null, b: TokenPair | null): boolean {
  return a !== null && b !== null && a.sessionId === b.sessionId && a.userId === b.userId;
}

/** Throws the transient error of a 200 answer that lacks what the server promises: status 200, as Angular reports invalid JSON. */
export function malformedAnswer(url?: string): never {
  throw new HttpErrorResponse({ status: 200, statusText: 'Malformed token response', url });
}

/** Whether `value` can go out in an `Authorization` header: visible ASCII, at most {@link MAX_TOKEN_LENGTH} long. */
function isSendableToken(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_TOKEN_LENGTH && /^[\x21-\x7e]+$/.test(value);
}

function isAttemptId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{16,128}$/.test(value);
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 1_024;
}

function isOptionalId(value: unknown): value is string | undefined {
  return value === undefined || isId(value);
}
