import { HttpContext, HttpContextToken } from '@angular/common/http';

/** Set on a request to keep the auth interceptor away from it: sign-in, refresh and logout calls. */
export const BYPASS_AUTH = new HttpContextToken<boolean>(() => false);

/** A context with {@link BYPASS_AUTH} set, for the auth layer's own calls. */
export function bypassAuth(): HttpContext {
  return new HttpContext().set(BYPASS_AUTH, true);
}
