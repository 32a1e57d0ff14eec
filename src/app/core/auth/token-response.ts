import { TokenPair, parseTokenPair } from './token-pair';

/** Body of a successful sign-in or refresh, as the token server sends it. */
export interface TokenResponse {
  readonly userId: string;
  readonly userName: string;
  readonly authorizationToken: string;
  readonly refreshToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresIn: number;
}

/**
 * The pair a sign-in or refresh answer brings, for session `sessionId`, or `null` when the answer lacks a field the
 * server promises or carries a token that cannot be sent. The one place a team adapts to its backend's field names.
 */
export function pairFromResponse(response: unknown, sessionId: string, receivedAt = Date.now()): TokenPair | null {
  if (typeof response !== 'object' || response === null) {
    return null;
  }
  const { userId, userName, authorizationToken, refreshToken, tokenType, expiresIn } = response as Record<string, unknown>;
  if (tokenType !== 'Bearer' || typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    return null;
  }
  // The same checks as for a stored pair: names present, tokens sendable as a header.
  return parseTokenPair({
    sessionId,
    userId,
    userName,
    accessToken: authorizationToken,
    refreshToken,
    // Measured on this device's clock from the moment of receipt, so server clock skew cannot shift it.
    expiresAt: receivedAt + expiresIn * 1000,
  });
}
