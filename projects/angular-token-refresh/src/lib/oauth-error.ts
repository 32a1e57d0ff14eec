import { HttpErrorResponse } from '@angular/common/http';

/** The `error` code of an OAuth-style error answer (RFC 6749 §5.2, RFC 9449 §8), whether its body arrived parsed or as text. */
export function oauthErrorCode(error: HttpErrorResponse): unknown {
  let body: unknown = error.error;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['error'] : undefined;
}
