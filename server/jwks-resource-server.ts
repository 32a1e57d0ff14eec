// An example of another service that trusts the token server's access tokens knowing only its JWKS URL: no secret,
// no database. It verifies with jose (createRemoteJWKSet, which caches the keys and refetches on an unknown kid) and
// answers GET /whoami. Run: JWKS_URL=http://localhost:7000/.well-known/jwks.json tsx server/jwks-resource-server.ts
// CORS_ORIGIN lets that page origin call it from a browser; JWT_ALGS names the algorithms it accepts (ES256 by default).
// DPoP-bound tokens (RFC 9449) are taken with a proof of their key: DPOP=off|optional|required (optional by default),
// DPOP_NONCE_SECONDS > 0 asks for nonces of its own (one instance: each process makes its own nonce key).
import type { AddressInfo } from 'node:net';
import cors from 'cors';
import express, { type ErrorRequestHandler } from 'express';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';

import { standaloneDPoPVerifier } from './auth/dpop';
import { type AccessTokenVerifier, requireAuth } from './auth/require-auth';
import type { DPoPMode } from './config';
import { HttpError } from './http-error';

const env = (name: string, fallback?: string): string => {
  const value = process.env[name]?.trim() || fallback;
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};

const jwks = createRemoteJWKSet(new URL(env('JWKS_URL')), {
  // At most the token server's KEY_RELOAD_SECONDS, so a key that starts signing is always fetched in time.
  cooldownDuration: Number(env('JWKS_COOLDOWN_SECONDS', '30')) * 1000,
});
const expected = { issuer: env('JWT_ISSUER', 'angular-token-refresh'), audience: env('JWT_AUDIENCE', 'angular-token-refresh-api') };
const algorithms = env('JWT_ALGS', 'ES256').split(',');

const tokens: AccessTokenVerifier = {
  async verifyAccessToken(token) {
    try {
      return {
        valid: true,
        claims: (await jwtVerify<{ cnf?: { jkt?: string } }>(token, jwks, { ...expected, algorithms, typ: 'at+jwt' })).payload,
      };
    } catch (error) {
      return { valid: false, reason: `The access token is invalid (${(error as { code?: string }).code ?? 'unreadable'})` };
    }
  },
};
const dpopMode = env('DPOP', 'optional');
if (!['off', 'optional', 'required'].includes(dpopMode)) throw new Error('DPOP must be off, optional or required');
const dpop = standaloneDPoPVerifier(dpopMode as DPoPMode, Number(env('DPOP_NONCE_SECONDS', '0')));

const app = express();
app.disable('x-powered-by');
const corsOrigin = process.env['CORS_ORIGIN']?.trim();
if (corsOrigin) {
  app.use(
    cors({
      origin: corsOrigin,
      methods: ['GET'],
      allowedHeaders: ['Authorization', 'DPoP'],
      exposedHeaders: ['WWW-Authenticate', 'DPoP-Nonce'],
    }),
  );
}
app.get('/whoami', requireAuth(tokens, dpop), (req, res) => {
  const token = req.headers.authorization!.split(' ').pop()!;
  res.json({ sub: (res.locals['claims'] as { sub?: string }).sub, kid: decodeProtectedHeader(token).kid });
});
app.use((_req, res) => void res.status(404).end());
const answerError: ErrorRequestHandler = (error, _req, res, _next) =>
  error instanceof HttpError ? error.send(res) : void res.status(500).json({ error: 'server_error' });
app.use(answerError);

const server = app.listen(Number(env('PORT', '0')), '127.0.0.1', () => {
  console.log(`JWKS resource server listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
