import { TokenResponse } from '../bundled-server-backend';

/** The bundled server's answer for the `n`th pair of user u1 (demo): tokens `at-n` and `rt-n`, living `expiresIn` seconds. */
export function tokenResponseFor(n: number, expiresIn = 300): TokenResponse {
  return { userId: 'u1', userName: 'demo', authorizationToken: `at-${n}`, refreshToken: `rt-${n}`, tokenType: 'Bearer', expiresIn };
}
