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
import { EnvironmentInjector, Injectable, inject, runInInjectionContext } from '@angular/core';
import { Observable, catchError, of, switchMap, throwError } from 'rxjs';

import { AUTH_CONFIG } from './auth-config';
import { AuthEvents } from './auth-events';
import { AuthService } from './auth-service';
import { BYPASS_AUTH } from './bypass-auth';
import { TokenStore } from './token-store';

/** Which send of a request this is: the first, a replay with a newer stored token, or the retry after a refresh. */
export type AuthAttempt = 'first' | 'replay' | 'retry';

/** Stamped by the interceptor on every send: which attempt it is and the access token it carries. */
export const AUTH_ATTEMPT = new HttpContextToken<{ readonly attempt: AuthAttempt; readonly token: string | null }>(() => ({
  attempt: 'first',
  token: null,
}));

/**
 * Adds the bearer token to same-origin and `apiOrigins` requests. On a 401 it replays the request
 * with a newer stored token if there is one, else it waits for the one shared refresh and retries once.
 */
export const authInterceptor: HttpInterceptorFn = (req, next) => {
  const auth = inject(AuthService);
  const events = inject(AuthEvents);
  const store = inject(TokenStore);
  const config = inject(AUTH_CONFIG);
  const appOrigin = inject(DOCUMENT).location.origin;

  if (req.context.get(BYPASS_AUTH) || !isTrustedUrl(req.url, appOrigin, config.apiOrigins)) {
    return next(req);
  }

  const send = (attempt: AuthAttempt, token: string | null): Observable<HttpEvent<unknown>> =>
    next(stamp(req, attempt, token)).pipe(
      catchError((error: unknown) => (isUnauthorized(error) ? recover(attempt, token, error) : throwError(() => error))),
    );

  const recover = (attempt: AuthAttempt, sentWith: string | null, error: unknown): Observable<HttpEvent<unknown>> => {
    if (attempt === 'retry') {
      // A fresh token was refused too: refreshing again would loop, so the session ends here.
      auth.endSession('retry-rejected');
      return throwError(() => error);
    }
    if (!store.refreshToken()) {
      return throwError(() => error);
    }
    const current = store.accessToken();
    if (attempt === 'first' && current && current !== sentWith && !auth.isRefreshing()) {
      // A late 401: a refresh finished after this request left, so its token is already stale. No new refresh.
      events.emit({ type: 'late-401-replayed', url: req.url });
      return send('replay', current);
    }
    return auth.refreshAccessToken().pipe(switchMap((token) => send('retry', token)));
  };

  if (auth.isRefreshing()) {
    // Sending the old token now would only earn another 401: wait for the refresh in flight.
    events.emit({ type: 'request-queued', url: req.url });
    return auth.refreshAccessToken().pipe(switchMap((token) => send('first', token)));
  }
  return send('first', store.accessToken());
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

// Each send gets its own context copy: callers may share one HttpContext across requests.
function stamp(req: HttpRequest<unknown>, attempt: AuthAttempt, token: string | null): HttpRequest<unknown> {
  const context = new HttpContext();
  for (const key of req.context.keys()) {
    context.set(key, req.context.get(key));
  }
  context.set(AUTH_ATTEMPT, { attempt, token });
  return req.clone({ context, setHeaders: token ? { Authorization: `Bearer ${token}` } : {} });
}

function isUnauthorized(error: unknown): error is HttpErrorResponse {
  return error instanceof HttpErrorResponse && error.status === 401;
}

// Origins are compared as parsed URLs (scheme, host and port), never by string prefix.
function isTrustedUrl(url: string, appOrigin: string, apiOrigins: readonly string[]): boolean {
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
