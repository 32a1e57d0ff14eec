import { DOCUMENT } from '@angular/common';
import {
  HttpContext,
  HttpContextToken,
  HttpErrorResponse,
  HttpEvent,
  HttpHandler,
  HttpHandlerFn,
  HttpInterceptor,
  HttpInterceptorFn,
  HttpRequest,
} from '@angular/common/http';
import { EnvironmentInjector, Injectable, InjectionToken, inject, runInInjectionContext } from '@angular/core';
import { Observable, catchError, switchMap, throwError } from 'rxjs';

import { AUTH_CONFIG } from './auth-config';
import { AuthService } from './auth-service';
import { BYPASS_AUTH } from './bypass-auth';
import { TokenStore } from './token-store';

/** Which send of a request this is: the first, one that waited for a refresh, a replay with a newer stored token, or the retry after a refresh. */
export type AuthAttempt = 'first' | 'queued' | 'replay' | 'retry';

/** Stamped by the interceptor on every send: which attempt it is and the access token it carries. */
export const AUTH_ATTEMPT = new HttpContextToken<{ readonly attempt: AuthAttempt; readonly token: string | null }>(() => ({
  attempt: 'first',
  token: null,
}));

// Reading location.origin is a DOM call on every request; a document's origin never changes, so read it once.
const APP_ORIGIN = new InjectionToken<string>('APP_ORIGIN', { providedIn: 'root', factory: () => inject(DOCUMENT).location.origin });

/**
 * Adds the bearer token to same-origin and `apiOrigins` requests. On a 401 for the token it replays the
 * request with a newer stored token if there is one, else it waits for the one shared refresh and retries once.
 */
export const authInterceptor: HttpInterceptorFn = (req, next) => {
  const auth = inject(AuthService);
  const store = inject(TokenStore);
  const config = inject(AUTH_CONFIG);
  const appOrigin = inject(APP_ORIGIN);

  if (req.context.get(BYPASS_AUTH) || !isTrustedUrl(req.url, appOrigin, config.apiOrigins)) {
    return next(req);
  }

  const send = (attempt: AuthAttempt, token: string | null): Observable<HttpEvent<unknown>> =>
    next(stamp(req, attempt, token)).pipe(
      catchError((error: unknown) => (isTokenRejection(error) ? recover(attempt, token, error) : throwError(() => error))),
    );

  const recover = (attempt: AuthAttempt, sentWith: string | null, error: unknown): Observable<HttpEvent<unknown>> => {
    if (attempt === 'retry' || attempt === 'queued') {
      // A fresh token was refused too: refreshing again would loop, so the session ends here.
      auth.endSession('retry-rejected');
      return throwError(() => error);
    }
    const recovery = auth.recover(req.url, sentWith, attempt === 'first');
    if (!recovery) {
      return throwError(() => error);
    }
    return recovery.token$.pipe(switchMap((token) => send(recovery.replay ? 'replay' : 'retry', token)));
  };

  const pending = auth.pendingRefresh(req.url);
  return pending ? pending.pipe(switchMap((token) => send('queued', token))) : send('first', store.accessToken());
};

/** {@link authInterceptor} for apps that register interceptors as classes (`withInterceptorsFromDi()`). */
@Injectable()
export class AuthInterceptor implements HttpInterceptor {
  private readonly injector = inject(EnvironmentInjector);

  /** Delegates to {@link authInterceptor}, so both forms share one implementation. */
  intercept(req: HttpRequest<unknown>, next: HttpHandler): Observable<HttpEvent<unknown>> {
    const nextFn: HttpHandlerFn = (request) => next.handle(request);
    return runInInjectionContext(this.injector, () => authInterceptor(req, nextFn));
  }
}

function stamp(req: HttpRequest<unknown>, attempt: AuthAttempt, token: string | null): HttpRequest<unknown> {
  const context = attempt === 'first' && !req.context.has(AUTH_ATTEMPT) ? req.context : copyOf(req.context);
  context.set(AUTH_ATTEMPT, { attempt, token });
  if (token) {
    return req.clone({ context, setHeaders: { Authorization: `Bearer ${token}` } });
  }
  return context === req.context ? req : req.clone({ context });
}

// A first send stamps the request's own context. Replays and retries, and requests whose caller shares one
// HttpContext between requests, get a copy, so one send's stamp never overwrites another's.
function copyOf(context: HttpContext): HttpContext {
  const copy = new HttpContext();
  for (const key of context.keys()) {
    copy.set(key, context.get(key));
  }
  return copy;
}

// A 401 is about the token unless its WWW-Authenticate names another error (RFC 6750 §3.1);
// a 401 for, say, a wrong current password must not refresh, nor end the session.
function isTokenRejection(error: unknown): error is HttpErrorResponse {
  if (!(error instanceof HttpErrorResponse) || error.status !== 401) {
    return false;
  }
  const challenge = error.headers?.get('WWW-Authenticate');
  const code = challenge ? /\berror="([^"]*)"/.exec(challenge)?.[1] : undefined;
  return code === undefined || code === 'invalid_token';
}

// Origins are compared as parsed URLs (scheme, host and port), never by string prefix.
function isTrustedUrl(url: string, appOrigin: string, apiOrigins: readonly string[]): boolean {
  // Fast path for app-relative paths; "//", "/\\" and "/<tab>/" would make the browser leave the origin.
  if (url === '/' || /^\/[^/\\\t\n\r]/.test(url)) {
    return true;
  }
  let target: URL;
  try {
    target = new URL(url, appOrigin);
  } catch {
    return false;
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') {
    return false;
  }
  return target.origin === appOrigin || apiOrigins.some((origin) => originOf(origin) === target.origin);
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}
