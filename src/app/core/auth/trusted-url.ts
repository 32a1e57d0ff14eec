import { DOCUMENT } from '@angular/common';
import { InjectionToken, inject } from '@angular/core';

/** This document's origin; read once, because `location.origin` is a DOM call and a document's origin never changes. */
export const APP_ORIGIN = new InjectionToken<string>('APP_ORIGIN', { providedIn: 'root', factory: () => inject(DOCUMENT).location.origin });

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
