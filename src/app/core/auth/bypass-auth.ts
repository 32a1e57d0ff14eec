import { HttpContextToken } from '@angular/common/http';

/** Set on a request to keep the auth interceptor away from it: sign-in, refresh and logout calls. */
export const BYPASS_AUTH = new HttpContextToken<boolean>(() => false);
