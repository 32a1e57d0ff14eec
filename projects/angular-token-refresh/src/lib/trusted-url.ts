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

// An app-relative path; "//", "/\\" and "/<tab>/" would make the browser leave the origin.
const APP_PATH = /^\/[^/\\\t\n\r]/;

/**
 * Whether a URL goes to `appOrigin` or one of `apiOrigins`, compared as parsed URLs (scheme, host, port), never by
 * prefix. The origins are parsed once, here, not for every request; one that does not parse trusts nothing. With no
 * `appOrigin` (on the server) no URL is trusted.
 */
export function trustedUrls(appOrigin: string | null, apiOrigins: readonly string[]): (url: string) => boolean {
  if (appOrigin === null) {
    return () => false;
  }
  const trusted = new Set([appOrigin, ...apiOrigins.map(originOf).filter((origin) => origin !== null)]);
  return (url) => {
    if (url === '/' || APP_PATH.test(url)) {
      return true;
    }
    const target = parsed(url, appOrigin);
    return target !== null && (target.protocol === 'https:' || target.protocol === 'http:') && trusted.has(target.origin);
  };
}

function originOf(url: string): string | null {
  return parsed(url)?.origin ?? null;
}

// `URL.parse` would do, but Node 20 (for `@angular/ssr`) and Safari 17 lack it.
function parsed(url: string, base?: string): URL | null {
  try {
    return new URL(url, base);
  } catch {
    return null;
  }
}
