import type { Request, Response } from 'express';
import { parse } from 'cookie';

import type { Config } from '../config';
import { HttpError } from '../http-error';

/**
 * The refresh token's cookie. `__Secure-` (RFC 6265bis): only set with `Secure`, so it never travels over plain
 * http (Chromium counts http://localhost as secure). `__Host-` would force `Path=/`; this one is narrowed to the
 * auth endpoints, so API calls and page loads never carry it.
 */
export const REFRESH_COOKIE = '__Secure-refresh-token';
export const REFRESH_COOKIE_PATH = '/authorization';

/**
 * A client that wants the refresh token as a cookie sends `Refresh-Token-Transport: cookie` with every auth call.
 * It is a custom header, so a cross-site form or `no-cors` fetch cannot send it: the CSRF guard requires it.
 */
export const TRANSPORT_HEADER = 'Refresh-Token-Transport';

/**
 * The client's id for one refresh. Sent again with the token it presented, it gets that refresh's answer again
 * instead of counting as reuse: a page that reloads while its refresh is in flight never saw the rotated cookie.
 */
export const ATTEMPT_HEADER = 'Refresh-Attempt';

/** Whether the client asked for the cookie. */
export function wantsCookie(req: Request): boolean {
  return req.get(TRANSPORT_HEADER)?.trim().toLowerCase() === 'cookie';
}

/** The refresh token the request's cookie carries, if any. */
export function refreshTokenCookie(req: Request): string | undefined {
  const header = req.get('Cookie');
  return header ? parse(header)[REFRESH_COOKIE] || undefined : undefined;
}

/**
 * A cookie authenticates whoever's browser sends it, so a request that relies on it must prove it comes from our
 * own pages: the custom header (no form or `no-cors` fetch can set it), and `Sec-Fetch-Site: same-origin` or an
 * `Origin` that is this server's or one of `CORS_ORIGINS`. Ports don't make sites: another app on this host is
 * same-site, so `SameSite` alone would not stop it. Anything else is 403, before any token is read.
 */
export function requireOwnOrigin(req: Request, config: Config): void {
  const origin = req.get('Origin');
  const ownOrigin = `${req.protocol}://${req.get('Host')}`;
  const allowedOrigin = origin !== undefined && (origin === ownOrigin || config.corsOrigins.includes(origin));
  if (!wantsCookie(req) || !(req.get('Sec-Fetch-Site') === 'same-origin' || allowedOrigin)) {
    throw new HttpError(403, 'forbidden', `A cookie-authenticated request needs the ${TRANSPORT_HEADER} header and an allowed origin`);
  }
}

/** Sets the refresh token as the cookie, living no longer than its session's absolute lifetime. */
export function setRefreshCookie(res: Response, refreshToken: string, maxAgeSeconds: number): void {
  res.cookie(REFRESH_COOKIE, refreshToken, {
    httpOnly: true,
    secure: true,
    sameSite: 'strict',
    path: REFRESH_COOKIE_PATH,
    maxAge: maxAgeSeconds * 1000,
  });
}

/** Removes the cookie (`Max-Age=0`, same name, path and attributes). */
export function clearRefreshCookie(res: Response): void {
  res.cookie(REFRESH_COOKIE, '', { httpOnly: true, secure: true, sameSite: 'strict', path: REFRESH_COOKIE_PATH, maxAge: 0 });
}
