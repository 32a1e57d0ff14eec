// An example of another service that trusts the token server's access tokens knowing only its JWKS URL: no secret,
// no database. It verifies with jose (createRemoteJWKSet, which caches the keys and refetches on an unknown kid) and
// answers GET /whoami. Run: JWKS_URL=http://localhost:7000/.well-known/jwks.json tsx server/jwks-resource-server.ts
// CORS_ORIGIN lets that page origin call it from a browser; JWT_ALGS names the algorithms it accepts (ES256 by default).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';

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
const corsOrigin = process.env['CORS_ORIGIN']?.trim();

const server = createServer(async (req, res) => {
  if (corsOrigin && req.headers.origin === corsOrigin) {
    res.setHeader('Access-Control-Allow-Origin', corsOrigin);
    res.setHeader('Access-Control-Expose-Headers', 'WWW-Authenticate');
    res.setHeader('Vary', 'Origin');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'Access-Control-Allow-Headers': 'Authorization', 'Access-Control-Allow-Methods': 'GET' }).end();
      return;
    }
  }
  const token = /^Bearer ([\w.~+/-]+=*)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (req.url !== '/whoami' || !token) {
    res.writeHead(req.url === '/whoami' ? 401 : 404, req.url === '/whoami' ? { 'WWW-Authenticate': 'Bearer' } : {}).end();
    return;
  }
  try {
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { ...expected, algorithms, typ: 'at+jwt' });
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ sub: payload.sub, kid: protectedHeader.kid }));
  } catch (error) {
    res
      .writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Bearer error="invalid_token"' })
      .end(JSON.stringify({ error: (error as { code?: string }).code ?? 'invalid_token' }));
  }
});
server.listen(Number(env('PORT', '0')), '127.0.0.1', () => {
  console.log(`JWKS resource server listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
