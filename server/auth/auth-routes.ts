import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { rateLimit } from 'express-rate-limit';

import type { Config } from '../config';
import { HttpError } from '../http-error';
import { throttleStore, type Redis } from '../throttle-store';
import { clientKey } from './client-key';
import type { DPoPVerifier } from './dpop';
import { MAX_PASSWORD_BYTES } from './password-hasher';
import { memoryAllowance, redisAllowance, type Turn } from './sign-in-allowance';
import { ATTEMPT_HEADER, clearRefreshCookie, refreshTokenCookie, requireOwnOrigin, setRefreshCookie, wantsCookie } from './refresh-cookie';
import type { TokenResponse, TokenService } from './token-service';

/** The longest user name accepted, in characters. */
export const MAX_USER_NAME_LENGTH = 128;

/** The longest refresh token read; longer ones are refused as malformed before any other work. */
export const MAX_REFRESH_TOKEN_LENGTH = 1024;

/**
 * The `/authorization` routes: sign in, refresh, logout.
 *
 * This is a first-party login API for our own app, not the OAuth password grant (which RFC 9700 §2.4 forbids
 * offering to third-party clients), so it does not accept `grant_type=password`.
 *
 * Cookie mode: a client that sends `Refresh-Token-Transport: cookie` gets the refresh token as an HttpOnly cookie
 * instead of in the body, and refresh and logout then read it from the cookie when the body has none.
 */
export function createAuthRouter(deps: {
  config: Config;
  tokens: TokenService;
  dpop: DPoPVerifier;
  redis?: Redis;
  now: () => number;
}): Router {
  const { config, tokens, dpop, redis, now } = deps;
  const router = express.Router();
  const proof = dpopProof(dpop);
  const jktOf = (res: Response) => res.locals['jkt'] as string | undefined;

  // Malformed sign-ins, and bad DPoP proofs, are refused before the limiter: they cost no hashing, so they must not
  // cost a key in it.
  router.post('/token', readCredentials, proof, signInLimiter(config, redis, now), async (req, res) => {
    const { userName, password } = res.locals['credentials'] as { userName: string; password: string };
    // A client that went away while its sign-in waited for a hashing slot is not hashed for.
    const gone = new AbortController();
    res.once('close', () => res.writableEnded || gone.abort());
    const issued = await tokens.signIn(userName, password, gone.signal, jktOf(res));
    res.set(NO_STORE).json(wantsCookie(req) ? await moveToCookie(res, issued) : issued);
  });

  router.post('/refresh', ...refreshLimiter(config, redis), proof, async (req, res) => {
    const { refreshToken, fromCookie } = readRefreshToken(req, config);
    const attempt = readAttempt(req);
    let issued: TokenResponse;
    try {
      issued = await tokens.refresh(refreshToken, attempt, jktOf(res));
    } catch (error) {
      // A cookie the server refuses is dead: remove it, so the browser stops sending it. Not while the database is
      // away: nothing was decided, and the same cookie may work in a moment.
      if (fromCookie && error instanceof HttpError && error.status === 400) clearRefreshCookie(res);
      throw error;
    }
    res.set(NO_STORE).json(fromCookie || wantsCookie(req) ? await moveToCookie(res, issued) : issued);
  });

  router.post('/logout', proof, async (req, res) => {
    const { refreshToken, fromCookie } = readRefreshToken(req, config);
    await tokens.logout(refreshToken, jktOf(res));
    if (fromCookie || wantsCookie(req)) clearRefreshCookie(res);
    res.status(204).end();
  });

  /** The answer's refresh token, moved from the body into the cookie, which lives as long as the session may. */
  async function moveToCookie(res: Response, issued: TokenResponse): Promise<Omit<TokenResponse, 'refreshToken'>> {
    const { refreshToken, ...body } = issued;
    setRefreshCookie(res, refreshToken, await tokens.sessionSecondsLeft(refreshToken));
    return body;
  }

  router.all(['/token', '/refresh', '/logout'], () => {
    throw new HttpError(405, 'method_not_allowed', 'Use POST', { Allow: 'POST' });
  });

  return router;
}

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

/**
 * Checks the request's DPoP proof (unless DPOP is off) and puts its key's thumbprint in `res.locals.jkt`; with
 * DPOP=required a request without one is refused. With nonces on, every answer carries the nonce to use next.
 */
function dpopProof(dpop: DPoPVerifier): RequestHandler {
  return async (req, res, next) => {
    if (dpop.mode === 'off') return next();
    if (dpop.usesNonces) res.set('DPoP-Nonce', dpop.currentNonce());
    const jkt = await dpop.verify(req, 'token');
    if (jkt === undefined && dpop.mode === 'required') throw dpop.refusal('token', 'invalid_dpop_proof', 'A DPoP proof is required');
    res.locals['jkt'] = jkt;
    next();
  };
}

/** How often a sign-in waiting for its turn looks again, for turns that other instances give back. */
const TURN_POLL_MS = 100;

/**
 * Refuses sign-ins for an IP and user name once LOGIN_MAX_FAILURES passwords were refused within the window, and
 * never checks more passwords for one at once than the failures left allow: a check in flight counts as a failure
 * until it ends, so 40 concurrent guesses get LOGIN_MAX_FAILURES answers of 401 and the rest 429, while concurrent
 * correct passwords wait their turn. X-Forwarded-For is believed only as far as TRUST_PROXY says, so rotating it
 * changes nothing. With REDIS_URL every instance counts together; while Redis is unreachable sign-in fails closed
 * (503 + Retry-After), since unthrottled guessing is the worse risk.
 */
function signInLimiter(config: Config, redis: Redis | undefined, now: () => number): RequestHandler {
  const { loginMaxFailures: max, requestTimeoutSeconds } = config;
  const windowMs = config.loginWindowSeconds * 1000;
  const holdMs = requestTimeoutSeconds * 1000;
  const allowance = redis
    ? redisAllowance(redis, `${config.redisPrefix}sign-in:`, max, windowMs, holdMs)
    : memoryAllowance(max, windowMs, now);
  // Sign-ins of this process waiting for a turn, by key: a turn given back here wakes them at once.
  const waiting = new Map<string, Set<() => void>>();
  const nextTurn = (key: string) =>
    new Promise<void>((resolve) => {
      const waiters = waiting.get(key) ?? new Set<() => void>();
      waiting.set(key, waiters);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0 && waiting.get(key) === waiters) waiting.delete(key);
        resolve();
      };
      const timer = setTimeout(done, TURN_POLL_MS);
      waiters.add(done);
    });
  const wake = (key: string) => [...(waiting.get(key) ?? [])].forEach((done) => done());

  return async (req, res, next) => {
    const key = `${clientKey(req)}|${(res.locals['credentials'] as { userName: string }).userName}`;
    const giveUpAt = Date.now() + holdMs;
    for (;;) {
      let turn: Turn;
      try {
        turn = await allowance.take(key);
      } catch {
        throw new HttpError(503, 'temporarily_unavailable', 'Sign-in throttling is unavailable; try again shortly', { 'Retry-After': '5' });
      }
      if (turn.kind === 'granted') break;
      if (turn.kind === 'spent') {
        throw new HttpError(429, 'too_many_requests', 'Too many failed sign-in attempts; try again later', {
          'Retry-After': String(Math.max(1, Math.ceil(turn.retryAfterMs / 1000))),
        });
      }
      if (res.destroyed) return;
      if (Date.now() >= giveUpAt) {
        throw new HttpError(503, 'temporarily_unavailable', 'Too many sign-ins in progress; try again shortly', { 'Retry-After': '1' });
      }
      await nextTurn(key);
    }
    res.once('close', () => {
      // A count lost while Redis is down is one guess unthrottled, not a failed request; its place frees itself.
      const failed = res.writableFinished && res.statusCode === 401;
      void allowance
        .give(key, failed)
        .catch(() => undefined)
        .then(() => wake(key));
    });
    next();
  };
}

/**
 * Limits refreshes per IP (REFRESH_RATE_LIMIT per minute, generous for many tabs); none when it is 0. With REDIS_URL
 * the count is shared by every instance; while Redis is unreachable refreshes fail open (pass unthrottled), because
 * refusing them would sign every user out, and a refresh token is single-use and unguessable anyway.
 */
function refreshLimiter(config: Config, redis: Redis | undefined): RequestHandler[] {
  if (config.refreshRateLimit === 0) return [];
  return [
    rateLimit({
      store: throttleStore(redis, `${config.redisPrefix}refreshes:`),
      passOnStoreError: true,
      windowMs: 60_000,
      limit: config.refreshRateLimit,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator: clientKey,
      handler: (_req, _res, next) => next(new HttpError(429, 'too_many_requests', 'Too many refreshes; try again later')),
      // clientKey copes with whatever X-Forwarded-For holds; the library's checks would print stack traces for it.
      validate: false,
    }),
  ];
}

/**
 * The refresh token of a refresh or logout: from the body when it has one (as the seed's client sends it), else
 * from the cookie, which requires the request to come from our own pages (403 otherwise, before anything is read).
 */
function readRefreshToken(req: Request, config: Config): { refreshToken: string; fromCookie: boolean } {
  const body: unknown = req.body;
  const cookie = refreshTokenCookie(req);
  if (cookie !== undefined && !(isObject(body) && Object.hasOwn(body, 'refreshToken'))) {
    requireOwnOrigin(req, config);
    if (cookie.length > MAX_REFRESH_TOKEN_LENGTH) throw invalidRequest('The refresh token cookie is too long');
    return { refreshToken: cookie, fromCookie: true };
  }
  const refreshToken = readString(readBody(req), 'refreshToken', (value) => value.length > MAX_REFRESH_TOKEN_LENGTH);
  return { refreshToken, fromCookie: false };
}

/** The client's id for this refresh (`Refresh-Attempt`, 16–128 URL-safe characters), or undefined when it sends none. */
function readAttempt(req: Request): string | undefined {
  const attempt = req.get(ATTEMPT_HEADER);
  if (attempt !== undefined && !/^[A-Za-z0-9_-]{16,128}$/.test(attempt)) {
    throw invalidRequest(`${ATTEMPT_HEADER} must be 16 to 128 letters, digits, "-" or "_"`);
  }
  return attempt;
}

const readCredentials: RequestHandler = (req, res, next) => {
  const body = readBody(req);
  const userName = readString(body, 'userName', (value) => value.length > MAX_USER_NAME_LENGTH);
  // No name holds a control character, and PostgreSQL refuses U+0000 in text outright (a 500, not a 401).
  if (/\p{Cc}/u.test(userName)) throw invalidRequest('"userName" must not contain control characters');
  const password = readString(body, 'password', (value) => Buffer.byteLength(value) > MAX_PASSWORD_BYTES);
  res.locals['credentials'] = { userName, password };
  next();
};

function readBody(req: Request): Record<string, unknown> {
  // express.json leaves req.body undefined for other content types.
  const body: unknown = req.body;
  if (!isObject(body)) throw invalidRequest('The body must be a JSON object (Content-Type: application/json)');
  return body;
}

/** Reads an own string property; missing, empty, whitespace-only, non-string or too long is 400 `invalid_request`. */
function readString(body: Record<string, unknown>, field: string, isTooLong: (value: string) => boolean): string {
  const value = Object.hasOwn(body, field) ? body[field] : undefined;
  if (typeof value !== 'string' || value.trim() === '') throw invalidRequest(`"${field}" must be a non-empty string`);
  if (isTooLong(value)) throw invalidRequest(`"${field}" is too long`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalidRequest(description: string): HttpError {
  return new HttpError(400, 'invalid_request', description);
}
