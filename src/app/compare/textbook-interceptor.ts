import { HttpClient, HttpErrorResponse, HttpEvent, HttpHandler, HttpInterceptor, HttpRequest } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { AUTH_CONFIG, TokenResponse, TokenStore } from 'angular-token-refresh';
import { BehaviorSubject, Observable, catchError, filter, switchMap, take, throwError } from 'rxjs';

import { TEXTBOOK_RETRY } from '../timeline/http-timeline';

/**
 * FOR COMPARISON ONLY: the refresh interceptor most Angular codebases carry, as tutorials teach it (`isRefreshing`, a
 * `BehaviorSubject<string | null>` that waiters `filter` and `take(1)` on). Written faithfully, with no improvements,
 * so the demo's compare mode can show what it does against a server with single-use refresh tokens. It keeps its
 * tokens where the demo does (the library's `TokenStore`, like the tutorials' storage service) and marks its retries
 * for the timeline; nothing else here is the library's. Do not copy it.
 */
@Injectable({ providedIn: 'root' })
export class TextbookInterceptor implements HttpInterceptor {
  private readonly store = inject(TokenStore);
  private readonly http = inject(HttpClient);
  private readonly config = inject(AUTH_CONFIG);

  private isRefreshing = false;
  private refreshTokenSubject = new BehaviorSubject<string | null>(null);

  intercept(req: HttpRequest<unknown>, next: HttpHandler): Observable<HttpEvent<unknown>> {
    if (req.url.includes(this.config.signInUrl) || req.url.includes(this.config.refreshUrl)) {
      return next.handle(req);
    }
    const token = this.store.accessToken();
    const authReq = token ? this.addToken(req, token) : req;

    return next.handle(authReq).pipe(
      catchError((error) => {
        if (error instanceof HttpErrorResponse && error.status === 401) {
          return this.handle401Error(authReq, next);
        }
        return throwError(() => error);
      }),
    );
  }

  private handle401Error(request: HttpRequest<unknown>, next: HttpHandler): Observable<HttpEvent<unknown>> {
    if (!this.isRefreshing) {
      this.isRefreshing = true;
      this.refreshTokenSubject.next(null);

      const pair = this.store.tokens();
      if (pair) {
        return this.http.post<TokenResponse>(this.config.refreshUrl, { refreshToken: pair.refreshToken }).pipe(
          switchMap((tokens) => {
            this.isRefreshing = false;
            const { sessionId, userId, userName } = pair;
            void this.store.set({ sessionId, userId, userName, accessToken: tokens.authorizationToken, refreshToken: tokens.refreshToken });
            this.refreshTokenSubject.next(tokens.authorizationToken);
            return next.handle(this.addToken(request, tokens.authorizationToken, true));
          }),
          catchError((error) => {
            this.isRefreshing = false;
            void this.store.clear();
            return throwError(() => error);
          }),
        );
      }
    }

    return this.refreshTokenSubject.pipe(
      filter((token) => token !== null),
      take(1),
      switchMap((token) => next.handle(this.addToken(request, token, true))),
    );
  }

  private addToken(request: HttpRequest<unknown>, token: string, retry = false): HttpRequest<unknown> {
    return request.clone({
      headers: request.headers.set('Authorization', `Bearer ${token}`),
      context: retry ? request.context.set(TEXTBOOK_RETRY, true) : request.context,
    });
  }
}
