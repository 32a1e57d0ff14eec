import { HttpInterceptorFn } from '@angular/common/http';
import { Injectable, inject, signal } from '@angular/core';
import { authInterceptor } from 'angular-token-refresh';

import { TextbookInterceptor } from './textbook-interceptor';

/** Which interceptor authorises the demo's requests: this library's, or the textbook one it is compared with. */
export type InterceptorKind = 'library' | 'textbook';

const STORAGE_KEY = 'demo.interceptor';

/** The compare switch: per tab, kept across reloads in session storage. */
@Injectable({ providedIn: 'root' })
export class InterceptorChoice {
  private readonly current = signal<InterceptorKind>(readChoice());
  readonly kind = this.current.asReadonly();

  set(kind: InterceptorKind): void {
    this.current.set(kind);
    globalThis.sessionStorage?.setItem(STORAGE_KEY, kind);
  }
}

/** Sends each request through the interceptor the compare switch names. */
export const chosenInterceptor: HttpInterceptorFn = (req, next) =>
  inject(InterceptorChoice).kind() === 'textbook'
    ? inject(TextbookInterceptor).intercept(req, { handle: next })
    : authInterceptor(req, next);

function readChoice(): InterceptorKind {
  return globalThis.sessionStorage?.getItem(STORAGE_KEY) === 'textbook' ? 'textbook' : 'library';
}
