import { createHmac, createSecretKey, hkdfSync, randomBytes, randomUUID, timingSafeEqual, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

import type { Config } from '../config';
import { HttpError } from '../http-error';
import type { AuthStore } from '../store/auth-store';
import type { PasswordHasher } from './password-hasher';
import type { SigningKeys } from './signing-keys';
import { VerifiedTokens } from './verified-tokens';

/** The body of a successful sign-in or refresh, as the API contract names its fields. */
export interface TokenResponse {
  userId: string;
  userName: string;
  authorizationToken: string;
  refreshToken: string;
  /** `DPoP` when the access token is bound to a key (RFC 9449 §5), which the API then requires proofs of. */
  tokenType: 'Bearer' | 'DPoP';
  expiresIn: number;
}

/** The verified claims of an access token. */
export interface AccessClaims {
  sub: string;
  name: string;
  sid: string;
  iat: number;
  exp: number;
  /** RFC 9449 §6: the thumbprint of the DPoP key the token is bound to. */
  cnf?: { jkt: string };
}

/** The result of `verifyAccessToken`: the claims, or why the token is refused. */
export type AccessTokenCheck = { valid: true; claims: AccessClaims } | { valid: false; reason: string };

/** What `TokenService` needs. */
export interface TokenServiceDeps {
  config: Config;
  store: AuthStore;
  passwords: PasswordHasher;
  now: () => number;
  /** The ES256 keys; required when `config.jwtAlg` is ES256. */
  keys?: SigningKeys;
}

/** The JWT `typ` of access tokens (RFC 9068), which tells them apart from any other JWT signed with the key. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** The longest bearer token verified; anything longer is rejected without parsing. */
const MAX_ACCESS_TOKEN_LENGTH = 4096;

/** `<session id: 16 bytes>.<counter: decimal>.<HMAC-SHA256: 32 bytes>`, all base64url. */
const REFRESH_TOKEN_FORMAT = /^([A-Za-z0-9_-]{22})\.(0|[1-9][0-9]{0,14})\.([A-Za-z0-9_-]{43})$/;

/**
 * Signs in, rotates refresh tokens with reuse detection, and issues and verifies access tokens.
 *
 * A refresh token is `sessionId.counter.mac`, where mac = HMAC(refreshKey, sessionId.counter). The database keeps
 * only each session's current counter, so nothing usable as a refresh token is at rest, and the current token can
 * be recomputed byte for byte. Access tokens are not checked against sessions: after logout or reuse detection
 * they stay valid until they expire, at most `ACCESS_TOKEN_TTL_SECONDS` later. Every decision about a session is one
 * conditional statement in the store, so any number of instances can share it.
 */
export class TokenService {
  private readonly accessKey: KeyObject;
  private readonly refreshKey: Buffer;

  private readonly verified: VerifiedTokens<AccessClaims>;
  /** The ES256 keys, or undefined for HS256. */
  private readonly keys: SigningKeys | undefined;

  constructor(private readonly deps: TokenServiceDeps) {
    if (deps.config.jwtAlg === 'ES256' && !deps.keys) throw new Error('JWT_ALG=ES256 needs the signing keys');
    this.keys = deps.config.jwtAlg === 'ES256' ? deps.keys : undefined;
    this.verified = new VerifiedTokens(deps.config.verifyCacheSize);
    // JWT_SECRET is the HS256 key, as the contract says, so other services can verify our access tokens with it.
    // The refresh-token MAC gets its own key, derived from it, so neither kind of token can be forged from the other.
    this.accessKey = createSecretKey(Buffer.from(deps.config.jwtSecret));
    this.refreshKey = refreshTokenKey(deps.config.jwtSecret);
  }

  /**
   * Opens a new session for valid credentials; otherwise throws 401 `invalid_credentials`, the same for unknown users.
   * `jkt` is the thumbprint of the DPoP key that proved the request: the session and its tokens are bound to it.
   */
  async signIn(userName: string, password: string, signal?: AbortSignal, jkt?: string): Promise<TokenResponse> {
    const { store, passwords } = this.deps;
    const user = await store.findUserByName(userName);
    const valid = await passwords.verify(password, user?.passwordHash, signal);
    if (!user || !valid) throw invalidCredentials();
    if (passwords.needsRehash(user.passwordHash)) {
      await store.replacePasswordHash(user.id, user.passwordHash, await passwords.hash(password, signal));
    }

    const now = this.deps.now();
    const sessionId = randomBytes(16).toString('base64url');
    // The user may have been deleted while the password was checked; then there is no one to open a session for.
    const created = await store.createSession({
      id: sessionId,
      userId: user.id,
      createdAt: now,
      expiresAt: now + this.deps.config.sessionTtlSeconds * 1000,
      jkt: jkt ?? null,
    });
    if (!created) throw invalidCredentials();
    return this.issueTokens(user.id, user.name, sessionId, 0, now + this.deps.config.sessionTtlSeconds * 1000, jkt);
  }

  /**
   * Rotates the session of `refreshToken`; a retired token revokes its session; any failure is 400 `invalid_grant`.
   * `attempt` is the client's id for this refresh: the same refresh again (same id, and the token it presented then)
   * is answered again instead of counting as reuse, because its first answer was lost on the way to the client.
   * `jkt` is the thumbprint of the DPoP key that proved the request. A session bound to a key refreshes only with a
   * proof of that key: without one it is refused, and nothing changes, whether the token is current or retired, since
   * whoever lacks the key cannot use the token, and must not be able to end the session either.
   *
   * No lock is held: the rotation is a conditional UPDATE from the counter read. When another request, on any
   * instance, rotated first, the decision is made again on the row as it is now, where this token is retired.
   */
  async refresh(refreshToken: string, attempt?: string, jkt?: string): Promise<TokenResponse> {
    const parsed = this.parseRefreshToken(refreshToken);
    if (!parsed) throw invalidGrant();

    const { store, config } = this.deps;
    const windowMs = config.refreshReuseWindowSeconds * 1000;
    // Terminates: a failed advance means the counter moved past `parsed.counter` or the session was revoked, and a
    // counter never goes back, so the next pass cannot try to advance again.
    for (;;) {
      // Each pass decides on the row as it is now, so by the clock as it is now.
      const now = this.deps.now();
      const session = await store.findSession(parsed.sessionId);
      if (!session || session.revokedAt !== null || now >= session.expiresAt) throw invalidGrant();
      if (session.jkt !== null && session.jkt !== jkt) throw otherKey();
      // An unbound session (opened before DPoP was required, or without a proof) binds each access token to the key
      // its refresh proved, if any.
      const bindTo = session.jkt ?? jkt;
      const issue = (counter: number) => this.issueTokens(session.userId, session.userName, session.id, counter, session.expiresAt, bindTo);
      if (parsed.counter === session.counter) {
        if (await store.advanceSession(session.id, session.counter, now, attempt ?? null)) return issue(session.counter + 1);
        continue;
      }
      // Only the refresh that made the current counter, and only until the next rotation.
      const isRepeatedAttempt = attempt !== undefined && parsed.counter === session.counter - 1 && session.lastAttempt === attempt;
      if (isRepeatedAttempt) return issue(session.counter);
      // The rotation may come from another instance whose clock is a little ahead, the very case of concurrent
      // presentations the window is for: a rotation within the window either side of this clock is forgiven. One
      // that this clock puts further off (a clock that stepped back, or no rotation yet) is not.
      const sinceRotation = session.rotatedAt === null ? Infinity : Math.abs(now - session.rotatedAt);
      const isForgivenPredecessor = parsed.counter === session.counter - 1 && sinceRotation < windowMs;
      if (isForgivenPredecessor) return issue(session.counter);
      if (parsed.counter < session.counter) await store.revokeSession(session.id, now, 'reuse');
      throw invalidGrant();
    }
  }

  /** Whole seconds left in the absolute lifetime of `refreshToken`'s session; 0 when it has none (unknown, ended). */
  async sessionSecondsLeft(refreshToken: string): Promise<number> {
    const parsed = this.parseRefreshToken(refreshToken);
    const session = parsed && (await this.deps.store.findSession(parsed.sessionId));
    return session ? Math.max(0, Math.floor((session.expiresAt - this.deps.now()) / 1000)) : 0;
  }

  /**
   * Revokes the session of any authentic refresh token, current or retired; anything else is silently ignored. A
   * session bound to a DPoP key is ended only with a proof of that key (`jkt`), else 400 `invalid_grant`.
   */
  async logout(refreshToken: string, jkt?: string): Promise<void> {
    const parsed = this.parseRefreshToken(refreshToken);
    if (!parsed) return;
    const session = await this.deps.store.findSession(parsed.sessionId);
    if (session && session.jkt !== null && session.jkt !== jkt) throw otherKey();
    await this.deps.store.revokeSession(parsed.sessionId, this.deps.now(), 'logout');
  }

  /**
   * Checks an access token: JWT_ALG only (with ES256, a `kid` of ours), our `iss`/`aud`/`typ`, and an `exp` in the
   * future. A token that passed is remembered until it expires (VERIFY_CACHE_SIZE of them), so the next request with
   * it costs a lookup.
   */
  async verifyAccessToken(token: string): Promise<AccessTokenCheck> {
    if (token.length > MAX_ACCESS_TOKEN_LENGTH) return { valid: false, reason: 'The access token is invalid' };
    const nowSeconds = Math.floor(this.deps.now() / 1000);
    const known = this.verified.get(token, nowSeconds);
    if (known) return { valid: true, claims: known };
    const key = await this.verificationKey(token);
    if (!key) return { valid: false, reason: 'The access token is invalid' };
    let decoded: jwt.Jwt;
    try {
      decoded = jwt.verify(token, key, {
        algorithms: [this.deps.config.jwtAlg],
        issuer: this.deps.config.jwtIssuer,
        audience: this.deps.config.jwtAudience,
        clockTimestamp: nowSeconds,
        complete: true,
      });
    } catch (error) {
      const reason = error instanceof jwt.TokenExpiredError ? 'The access token expired' : 'The access token is invalid';
      return { valid: false, reason };
    }
    const claims = decoded.payload as Partial<AccessClaims>;
    // jsonwebtoken accepts a token without `exp`; the contract requires one.
    const isAccessToken =
      decoded.header.typ === ACCESS_TOKEN_TYPE &&
      typeof claims.exp === 'number' &&
      typeof claims.sub === 'string' &&
      typeof claims.name === 'string' &&
      typeof claims.sid === 'string' &&
      (claims.cnf === undefined || typeof claims.cnf?.jkt === 'string');
    if (!isAccessToken) return { valid: false, reason: 'The access token is invalid' };
    this.verified.add(token, claims as AccessClaims);
    return { valid: true, claims: claims as AccessClaims };
  }

  /** The key that may have signed `token`: the secret for HS256; for ES256 the public key its `kid` names, if any. */
  private async verificationKey(token: string): Promise<KeyObject | undefined> {
    if (!this.keys) return this.accessKey;
    const kid = (jwt.decode(token, { complete: true }) as jwt.Jwt | null)?.header.kid;
    return typeof kid === 'string' ? this.keys.publicKey(kid) : undefined;
  }

  private issueTokens(
    userId: string,
    userName: string,
    sessionId: string,
    counter: number,
    sessionExpiresAt: number,
    jkt: string | undefined,
  ): TokenResponse {
    const { config, now } = this.deps;
    const iat = Math.floor(now() / 1000);
    // No access token outlives its session's absolute lifetime.
    const exp = Math.min(iat + config.accessTokenTtlSeconds, Math.floor(sessionExpiresAt / 1000));
    const claims = {
      // RFC 9068 §2.2: unique per token, so a token can be told from its successor and deny-listed on its own.
      jti: randomUUID(),
      sub: userId,
      name: userName,
      sid: sessionId,
      iat,
      exp,
      iss: config.jwtIssuer,
      aud: config.jwtAudience,
      ...(jkt ? { cnf: { jkt } } : {}),
    };
    return {
      userId,
      userName,
      authorizationToken: this.sign(claims),
      refreshToken: `${sessionId}.${counter}.${this.mac(sessionId, counter).toString('base64url')}`,
      tokenType: jkt ? 'DPoP' : 'Bearer',
      expiresIn: exp - iat,
    };
  }

  private sign(claims: object): string {
    if (!this.keys) return jwt.sign(claims, this.accessKey, { algorithm: 'HS256', header: { alg: 'HS256', typ: ACCESS_TOKEN_TYPE } });
    const { kid, key } = this.keys.current();
    return jwt.sign(claims, key, { algorithm: 'ES256', header: { alg: 'ES256', typ: ACCESS_TOKEN_TYPE, kid } });
  }

  /** Checks format and MAC without touching the database, so forged tokens cost little and change nothing. */
  private parseRefreshToken(token: string): { sessionId: string; counter: number } | undefined {
    const match = REFRESH_TOKEN_FORMAT.exec(token);
    if (!match) return undefined;
    const [, sessionId, counterText, macText] = match;
    const counter = Number(counterText);
    // Compare the canonical text: base64url decoding ignores the last character's spare bits.
    const expected = Buffer.from(this.mac(sessionId, counter).toString('base64url'));
    if (!timingSafeEqual(Buffer.from(macText), expected)) return undefined;
    return { sessionId, counter };
  }

  private mac(sessionId: string, counter: number): Buffer {
    return createHmac('sha256', this.refreshKey).update(`${sessionId}.${counter}`).digest();
  }
}

/** The key refresh tokens are MACed with: HKDF of `jwtSecret`, so neither kind of token can be forged from the other. */
export function refreshTokenKey(jwtSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', jwtSecret, Buffer.alloc(0), 'refresh-token', 32));
}

function invalidCredentials(): HttpError {
  return new HttpError(401, 'invalid_credentials', 'The user name or password is incorrect');
}

function otherKey(): HttpError {
  return new HttpError(400, 'invalid_grant', 'The refresh token is bound to a DPoP key this request did not prove');
}

function invalidGrant(): HttpError {
  return new HttpError(400, 'invalid_grant', 'The refresh token is invalid, expired or revoked');
}
