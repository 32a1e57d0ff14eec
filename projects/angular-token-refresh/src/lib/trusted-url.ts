import { DOCUMENT } from '@angular/common';
import { InjectionToken, inject } from '@angular/core';

import { inBrowser } from './platform';

/**
 * This document's origin, read once (`location.origin` is a DOM call, and a document's origin never changes); `null`
 * on the server, where the interceptor leaves every request alone.
 */
export const APP_ORIGIN = new InjectionToken<string | null>('APP_ORIGIN', {
  providedIn: 'root',
  factory: () => (inBrowser() ? inject(DOCUMENT).location.origin : null),
});

/** Whether `url` goes to `appOrigin` or one of `apiOrigins`, compared as parsed URLs (scheme, host, port), never by prefix. */
export function isTrustedUrl(url: string, appOrigin: string, apiOrigins: readonly string[]): boolean {
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
