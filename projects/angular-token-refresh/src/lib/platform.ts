import { PLATFORM_ID, inject } from '@angular/core';
import { isPlatformBrowser } from '@angular/common';

/**
 * Whether this injector runs in a browser. Under `@angular/ssr` it does not: then the auth layer touches no browser
 * storage, channel, lock or timer, and leaves requests alone. Call it in an injection context.
 */
export function inBrowser(): boolean {
  return isPlatformBrowser(inject(PLATFORM_ID));
}
