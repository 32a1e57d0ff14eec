// Test-only OAuth harness: a real oidc-provider authorization server, a protected resource and a built SPA on one origin.
// Run: `node --import tsx e2e/oauth/oauth-server.ts`. Env: PORT (0 = any), HOST, STATIC_DIR, ACCESS_TOKEN_TTL (seconds).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';

import express from 'express';
import { createLocalJWKSet, jwtVerify } from 'jose';

import { standaloneDPoPVerifier } from '../../server/auth/dpop';
import { type AccessTokenVerifier, requireAuth } from '../../server/auth/require-auth';
import { HttpError } from '../../server/http-error';
import { API_AUDIENCE } from './api-audience';
import Provider, { Client, errors, KoaContextWithOIDC } from 'oidc-provider';

/** Grant type the tests use to obtain a first token pair for an account, without a browser login. */
const TEST_GRANT = 'urn:test:issue-tokens';
/** The one registered client: public, refresh tokens allowed. */
const CLIENT_ID = 'consumer-app';
const SCOPE = 'api';

/** Counters the tests assert on, served by `GET /test/stats`. Import it with `import type`: importing this file starts the server. */
export interface Stats {
  tokenRequests: Record<string, number>;
  refresh: { succeeded: number; failed: Record<string, number> };
  grantsRevoked: number;
  revocations: number;
  /** RP-initiated logouts the user confirmed. */
  endSessions: number;
  /** Token requests that carried a DPoP proof, and those refused with `use_dpop_nonce` (not counted as failed refreshes). */
  dpop: { proofs: number; nonceChallenges: number };
}

const emptyStats = (): Stats => ({
  tokenRequests: {},
  refresh: { succeeded: 0, failed: {} },
  grantsRevoked: 0,
  revocations: 0,
  endSessions: 0,
  dpop: { proofs: 0, nonceChallenges: 0 },
});
let stats = emptyStats();

const bump = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);
const log = process.env['OAUTH_LOG'] ? (...args: unknown[]) => console.error('[oauth-server]', ...args) : () => undefined;

/** Refresh tokens go to every client allowed the refresh_token grant; no offline_access scope or consent needed. */
const issueRefreshToken = async (_ctx: unknown, client: Client) => client.grantTypeAllowed('refresh_token');

function createProvider(issuer: string, accessTokenTtl: number): Provider {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  tokenIssuer = issuer;
  publicJwks = createLocalJWKSet({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'test', alg: 'RS256' }] });
  const provider = new Provider(issuer, {
    // The consumer app of the e2e suite, and the demo (`npm run start:oauth`): the same public client, twice.
    clients: [CLIENT_ID, 'demo'].map((client_id) => ({
      client_id,
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token', TEST_GRANT],
      response_types: ['code'],
      // The app's own callback, on this origin: oidc-provider lets browsers call the token endpoint from its origin only.
      redirect_uris: [`${new URL(issuer).origin}/callback`],
      post_logout_redirect_uris: [`${new URL(issuer).origin}/`],
    })),
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'offline_access', 'profile', SCOPE],
    findAccount: async (_ctx: unknown, accountId: string) => ({ accountId, claims: () => ({ sub: accountId, name: accountId }) }),
    claims: { openid: ['sub'], profile: ['name'] },
    // Its own login and consent pages: any user name, any password. PKCE is required of public clients by default.
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      // DPoP (RFC 9449) for clients that send proofs, with nonces required of them; Bearer clients are unaffected.
      dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API_AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: SCOPE,
          audience: API_AUDIENCE,
          accessTokenFormat: 'jwt',
          accessTokenTTL: accessTokenTtl,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    rotateRefreshToken: true,
    issueRefreshToken,
    ttl: { AccessToken: accessTokenTtl, RefreshToken: 86_400, Grant: 86_400 },
  });

  provider.registerGrantType(
    TEST_GRANT,
    async (ctx) => {
      const accountId = ctx.oidc.params?.['account'];
      if (typeof accountId !== 'string' || !accountId) throw new errors.InvalidRequest('missing required parameter: account');
      const { client } = ctx.oidc;
      const grant = new provider.Grant({ accountId, clientId: client.clientId });
      grant.addOIDCScope(SCOPE);
      const grantId = await grant.save();
      const payload = { accountId, client, grantId, gty: TEST_GRANT, scope: SCOPE };
      const accessToken = new provider.AccessToken(payload);
      const refreshToken = (await issueRefreshToken(ctx, client)) ? new provider.RefreshToken({ ...payload, rotations: 0 }) : undefined;
      ctx.body = {
        access_token: await accessToken.save(),
        token_type: 'Bearer',
        expires_in: accessToken.expiration,
        refresh_token: await refreshToken?.save(),
        scope: SCOPE,
      };
    },
    ['account'],
  );

  // Counts every token and revocation request by its outcome, after oidc-provider has rendered it (errors included).
  provider.use(async (ctx: KoaContextWithOIDC, next) => {
    await next();
    if (ctx.oidc?.route === 'revocation') stats.revocations++;
    if (ctx.oidc?.route === 'end_session_confirm') stats.endSessions++;
    if (ctx.oidc?.route !== 'token') return;
    const grantType = String(ctx.oidc.params?.['grant_type'] ?? 'unknown');
    const error = (ctx.body as { error?: string } | undefined)?.error;
    if (ctx.get('DPoP')) stats.dpop.proofs++;
    // A request for a fresh nonce is answered by one resend of the same request: not a token request of its own.
    if (error === 'use_dpop_nonce') {
      stats.dpop.nonceChallenges++;
      return;
    }
    bump(stats.tokenRequests, grantType);
    if (grantType !== 'refresh_token') return;
    if (ctx.status === 200) stats.refresh.succeeded++;
    else bump(stats.refresh.failed, String(error ?? ctx.status));
  });
  provider.on('grant.revoked', (_ctx, grantId) => {
    stats.grantsRevoked++;
    log('grant revoked', grantId);
  });
  provider.on('grant.error', (_ctx, error) => {
    const { error: code, error_detail: detail } = error as { error?: string; error_detail?: string };
    log('grant error', code, detail ?? '');
  });
  return provider;
}

/** The provider's public key and issuer, for verifying its JWT access tokens as a resource server would. */
let publicJwks: ReturnType<typeof createLocalJWKSet>;
let tokenIssuer = '';

/**
 * Checks an access token as the API's resource server: a JWT (a code-flow sign-in, bound to a DPoP key when the app
 * sent proofs) by signature and claims; an opaque one (the test grant) by lookup, refused once expired or its grant
 * revoked. `find()` still returns tokens up to `clockTolerance` (15 s) past expiry, hence the explicit `isExpired` check.
 */
function accessTokens(provider: Provider): AccessTokenVerifier {
  const invalid = { valid: false, reason: 'The access token is invalid' } as const;
  return {
    async verifyAccessToken(value) {
      if (value.split('.').length === 3) {
        const verified = await jwtVerify<{ cnf?: { jkt?: string } }>(value, publicJwks, {
          issuer: tokenIssuer,
          audience: API_AUDIENCE,
          typ: 'at+jwt',
        }).catch(() => null);
        return verified ? { valid: true, claims: verified.payload } : invalid;
      }
      const token = await provider.AccessToken.find(value);
      if (!token || token.isExpired || !token.grantId || !(await provider.Grant.find(token.grantId))) return invalid;
      return { valid: true, claims: { sub: token.accountId } };
    },
  };
}

function createApp(provider: Provider, staticDir: string | undefined): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use('/oidc', provider.callback());

  // Bearer tokens, and DPoP-bound ones with a proof of their key; nonces are oidc-provider's, on the token endpoint only.
  const dpop = standaloneDPoPVerifier('optional');
  const delay: express.RequestHandler = async (req, _res, next) => {
    const ms = Math.min(Math.max(Number(req.query['delay']) || 0, 0), 2000);
    if (ms) await new Promise((done) => setTimeout(done, ms));
    next();
  };
  app.get(/^\/api\//, delay, requireAuth(accessTokens(provider), dpop), (_req, res) => {
    res.json(`protected resources, account: ${(res.locals['claims'] as { sub: string }).sub}`);
  });
  app.use(((error, _req, res, next) => (error instanceof HttpError ? error.send(res) : next(error))) as express.ErrorRequestHandler);

  app.get('/test/stats', (_req, res) => void res.json(stats));
  app.post('/test/reset', (_req, res) => {
    stats = emptyStats();
    res.status(204).end();
  });

  if (staticDir && existsSync(join(staticDir, 'index.html'))) {
    app.use(express.static(staticDir, { index: 'index.html' }));
    app.get(/.*/, (req, res, next) =>
      (req.headers.accept ?? '').includes('text/html') ? res.sendFile(join(staticDir, 'index.html')) : next(),
    );
  }
  return app;
}

const host = process.env['HOST'] || '127.0.0.1';
const accessTokenTtl = Number(process.env['ACCESS_TOKEN_TTL'] || 60);
const staticDir = process.env['STATIC_DIR'] ? resolve(process.env['STATIC_DIR']) : undefined;
const server = createServer();

server.listen(Number(process.env['PORT'] || 0), host, () => {
  const { port } = server.address() as { port: number };
  const origin = `http://${host}:${port}`;
  server.on('request', createApp(createProvider(`${origin}/oidc`, accessTokenTtl), staticDir));
  process.stdout.write(`listening on ${origin}\n`);
  if (staticDir) {
    process.stdout.write(`The app signs in at ${origin}/oidc: any user name, any password.\n`);
  }
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
