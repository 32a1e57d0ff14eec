import {
  HttpContext,
  HttpContextToken,
  HttpEvent,
  HttpHandler,
  HttpHandlerFn,
  HttpInterceptor,
  HttpInterceptorFn,
  HttpRequest,
} from '@angular/common/http';
import { EnvironmentInjector, Injectable, inject, runInInjectionContext } from '@angular/core';
import { Observable, catchError, isObservable, switchMap } from 'rxjs';

import { AUTH_CONFIG } from './auth-config';
import { AuthAttempt, AuthSend, AuthService } from './auth-service';
import { BYPASS_AUTH } from './bypass-auth';
import { DPOP } from './dpop';
import { SetupCheck } from './setup-check';
import { APP_ORIGIN, isTrustedUrl } from './trusted-url';

/** Which send of a request this is; set on resends only, so a first send keeps its own context. For logs and metrics. */
export const AUTH_ATTEMPT = new HttpContextToken<AuthAttempt>(() => 'first');

// Production builds define it as false, and drop the development checks it guards.
declare const ngDevMode: unknown;

/**
 * Adds the bearer token to same-origin and `apiOrigins` requests, and resends a request refused for its token as
 * {@link AuthService.afterRejection} decides: replayed with a newer token, or retried after the one shared refresh.
 * On the server (`@angular/ssr`) it leaves every request alone.
 */
export const authInterceptor: HttpInterceptorFn = (req, next) => {
  if (typeof ngDevMode === 'undefined' || ngDevMode) {
    inject(SetupCheck).interceptorRan();
  }
  const auth = inject(AuthService);
  const config = inject(AUTH_CONFIG);
  const appOrigin = inject(APP_ORIGIN);
  const dpop = inject(DPOP);

  const bypass = req.context.has(BYPASS_AUTH) && req.context.get(BYPASS_AUTH);
  if (appOrigin === null || bypass || !isTrustedUrl(req.url, appOrigin, config.apiOrigins)) {
    return next(req);
  }
  const forward = (sent: AuthSend) =>
    dpop && sent.token ? dpop.authorize(req, sent.token, (proof) => next(prepare(req, sent, proof))) : next(prepare(req, sent));
  const send = (sent: AuthSend): Observable<HttpEvent<unknown>> =>
    forward(sent).pipe(catchError((error: unknown) => auth.afterRejection(sent, error).pipe(switchMap(send))));
  const first = auth.firstSend();
  return isObservable(first) ? first.pipe(switchMap(send)) : send(first);
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

function prepare(req: HttpRequest<unknown>, { attempt, token }: AuthSend, proof?: string): HttpRequest<unknown> {
  // Resends get a copy of the context, so the caller's own (which it may share between requests) is never written.
  const context = attempt === 'first' ? req.context : copyOf(req.context).set(AUTH_ATTEMPT, attempt);
  if (token && proof) {
    return req.clone({ context, setHeaders: { Authorization: `DPoP ${token}`, DPoP: proof } });
  }
  if (token) {
    return req.clone({ context, setHeaders: { Authorization: `Bearer ${token}` } });
  }
  return context === req.context ? req : req.clone({ context });
}

function copyOf(context: HttpContext): HttpContext {
  const copy = new HttpContext();
  for (const key of context.keys()) {
    copy.set(key, context.get(key));
  }
  return copy;
}
