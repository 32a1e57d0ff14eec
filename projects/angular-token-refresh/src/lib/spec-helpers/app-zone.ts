import { HttpClient, HttpInterceptorFn } from '@angular/common/http';
import { EnvironmentProviders, NgZone, provideZoneChangeDetection } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Observable } from 'rxjs';

/** The part of zone.js these helpers use. */
interface ZoneLike {
  run<T>(work: () => T): T;
}

declare const Zone: { readonly current: ZoneLike } | undefined;

/** Whether this Karma run loaded zone.js (`ng test demo --configuration zone`): then specs run as in a zone.js app. */
export const ZONE_JS = typeof Zone !== 'undefined';

/** Change detection as this run's app has it: NgZone under zone.js, zoneless (TestBed's default) otherwise. */
export function provideRunChangeDetection(): EnvironmentProviders[] {
  return ZONE_JS ? [provideZoneChangeDetection()] : [];
}

/**
 * Delivers each answer in the zone its request was sent from, as XHR and fetch do under zone.js (the testing
 * backend answers in the zone of whoever calls `flush`). Put it last, so it stands where the real backend would.
 */
export const answerInSendingZone: HttpInterceptorFn = (req, next) => {
  if (!ZONE_JS) {
    return next(req);
  }
  return new Observable((subscriber) => {
    const sending = Zone!.current;
    return next(req).subscribe({
      next: (event) => sending.run(() => subscriber.next(event)),
      error: (error: unknown) => sending.run(() => subscriber.error(error)),
      complete: () => sending.run(() => subscriber.complete()),
    });
  });
};

/** Fails the spec when, under zone.js, `what` reaches the app outside the Angular zone, where change detection misses it. */
export function expectInAngularZone(what: string): void {
  if (ZONE_JS) {
    expect(NgZone.isInAngularZone()).withContext(`${what} reached the app outside the Angular zone`).toBeTrue();
  }
}

/**
 * The `HttpClient` of the spec's TestBed, used as a component would: every request is made inside the Angular zone,
 * and every value, error and completion must come back inside it.
 */
export function appHttpClient(): HttpClient {
  const http = TestBed.inject(HttpClient);
  const zone = TestBed.inject(NgZone);
  const asApp = <T>(source: Observable<T>): Observable<T> =>
    new Observable<T>((subscriber) =>
      zone.run(() =>
        source.subscribe({
          next: (value) => {
            expectInAngularZone('an answer');
            subscriber.next(value);
          },
          error: (error: unknown) => {
            expectInAngularZone('an error');
            subscriber.error(error);
          },
          complete: () => subscriber.complete(),
        }),
      ),
    );
  return new Proxy(http, {
    get: (target, key) => {
      const member: unknown = Reflect.get(target, key);
      return typeof member === 'function' ? (...args: unknown[]) => asApp(member.apply(target, args)) : member;
    },
  });
}
