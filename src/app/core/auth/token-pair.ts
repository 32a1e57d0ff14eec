/** The signed-in user's tokens, as this tab and its siblings share them. */
export interface TokenPair {
  /** Made up by the client at sign-in and kept through rotations: which sign-in this pair belongs to. */
  readonly sessionId: string;
  readonly userId: string;
  readonly userName: string;
  readonly accessToken: string;
  readonly refreshToken: string;
  /** When the access token expires, in this device's clock (epoch ms); absent when unknown. */
  readonly expiresAt?: number;
}

/** The longest token the auth layer stores or sends; longer ones would overflow common header limits (8 kB). */
export const MAX_TOKEN_LENGTH = 8_192;

/** Whether `value` can go out in an `Authorization` header: visible ASCII, at most {@link MAX_TOKEN_LENGTH} long. */
function isSendableToken(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_TOKEN_LENGTH && /^[\x21-\x7e]+$/.test(value);
}

/** `value` as a {@link TokenPair}, or `null` for anything else: wrong shapes, missing fields, tokens that cannot be sent. */
export function parseTokenPair(value: unknown): TokenPair | null {
  if (typeof value !== 'object' || value === null) {
    return null;
  }
  const { sessionId, userId, userName, accessToken, refreshToken, expiresAt } = value as Record<string, unknown>;
  if (!isId(sessionId) || !isId(userId) || !isId(userName) || !isSendableToken(accessToken) || !isSendableToken(refreshToken)) {
    return null;
  }
  const pair: TokenPair = { sessionId, userId, userName, accessToken, refreshToken };
  return typeof expiresAt === 'number' && Number.isFinite(expiresAt) ? { ...pair, expiresAt } : pair;
}

/** Whether `a` and `b` belong to one sign-in (either may be a rotation of the other). */
export function sameSession(a: TokenPair | null, b: TokenPair | null): boolean {
  return a !== null && b !== null && a.sessionId === b.sessionId && a.userId === b.userId;
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 1_024;
}
