import cors from 'cors';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';

import { createApiRouter } from './api-routes';
import { createAuthRouter } from './auth/auth-routes';
import { DPoPVerifier } from './auth/dpop';
import { PasswordHasher } from './auth/password-hasher';
import type { SigningKeys } from './auth/signing-keys';
import { TokenService } from './auth/token-service';
import type { Config } from './config';
import { HttpError } from './http-error';
import { bodyTooLarge, limitBody, MAX_BODY_BYTES, requireUtf8 } from './request-body';
import { StoreUnavailableError, type AuthStore } from './store/auth-store';
import type { Redis } from './throttle-store';

const NO_CACHE = { 'Cache-Control': 'no-store' };

/** What a 503 for an unavailable database tells clients to wait, in seconds. */
const RETRY_AFTER_SECONDS = '5';

/** Everything the app needs from outside; tests pass a temp database and a fake clock. */
export interface AppDeps {
  config: Config;
  store: AuthStore;
  /** The ES256 signing keys, when JWT_ALG is ES256. */
  keys?: SigningKeys;
  /** The current time in epoch milliseconds. */
  now: () => number;
  logger: Logger;
  /** The Redis connection for shared throttling, when REDIS_URL is set. */
  redis?: Redis;
}

/** Builds the token server (API, and the built Angular app when it exists) without reading env or listening. */
export function createApp(deps: AppDeps): Express {
  const { config, store, keys, now, logger } = deps;
  const tokens = new TokenService({
    config,
    store,
    keys,
    passwords: new PasswordHasher({ concurrency: config.hashConcurrency, queueLength: config.hashQueue }),
    now,
  });
  const dpop = new DPoPVerifier({ config, redis: deps.redis, now });

  const app = express();
  // A hop count, never `true`: only the proxies we run may name the client's IP, or throttling is bypassed.
  app.set('trust proxy', config.trustProxyHops);
  app.use(requestLogger(logger));
  app.use(
    helmet({
      // The server also runs over plain http on a LAN address, where upgrading every request would break the app.
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    }),
  );
  // Credentialed (cookie mode) only for CORS_ORIGINS: the cors package names no other origin in its answers.
  app.use(cors({ origin: config.corsOrigins, credentials: true, exposedHeaders: ['WWW-Authenticate', 'DPoP-Nonce'] }));
  app.use(limitBody(MAX_BODY_BYTES), requireUtf8);
  app.use(express.json({ limit: MAX_BODY_BYTES }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Ready means the database answers: a load balancer sends no traffic to an instance that cannot rotate a token.
  app.get('/readyz', async (_req, res) => {
    try {
      await store.ping();
      res.set(NO_CACHE).json({ status: 'ok', database: 'ok' });
    } catch {
      res
        .status(503)
        .set({ ...NO_CACHE, 'Retry-After': RETRY_AFTER_SECONDS })
        .json({ status: 'unavailable', database: 'unavailable' });
    }
  });
  // ES256: the public keys, for services that verify access tokens without any secret. Verifiers refetch on an
  // unknown kid, and a retired key stays listed until its tokens expired, so a short cache is safe.
  if (keys) {
    app.get('/.well-known/jwks.json', (_req, res) => {
      res.set('Cache-Control', 'public, max-age=300').json(keys.jwks());
    });
  }
  app.use('/authorization', createAuthRouter({ config, tokens, dpop, redis: deps.redis, now }));
  app.use('/api', createApiRouter(tokens, dpop));
  app.use(['/api', '/authorization'], notFound);

  const index = join(config.staticDir, 'index.html');
  if (existsSync(index)) {
    app.use(express.static(config.staticDir));
    // Client-side routes get the app; a missing file (say /main.js.map) stays a 404 rather than HTML posing as it.
    app.get('/{*path}', (req, res, next) => {
      if (extname(req.path)) {
        next();
        return;
      }
      res.sendFile(index, { headers: { 'Cache-Control': 'no-cache' } });
    });
  }
  app.use(notFound);
  app.use(handleError(logger));
  return app;
}

/** One line per request: method, path without the query, status, ms. No headers, so no tokens; no bodies. */
function requestLogger(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    serializers: {
      req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url.split('?')[0] }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    redact: ['req.headers.authorization', 'req.headers.cookie'],
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
  });
}

const notFound: RequestHandler = () => {
  throw new HttpError(404, 'not_found', 'There is nothing at this path');
};

/** Answers every error as JSON; client errors (incl. body-parser's) keep their 4xx, anything else is logged once as a 500. */
function handleError(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    let httpError = toHttpError(error);
    if (!httpError) {
      logger.error({ err: error }, 'Unhandled error');
      httpError = new HttpError(500, 'server_error', 'The server could not handle the request');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    httpError.send(res);
  };
}

/** Maps our errors, and the 4xx errors of body-parser and serve-static, to an HttpError. */
function toHttpError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error instanceof StoreUnavailableError) {
    return new HttpError(503, 'temporarily_unavailable', 'The server cannot reach its database; try again shortly', {
      'Retry-After': RETRY_AFTER_SECONDS,
    });
  }
  const { status, type } = (error ?? {}) as { status?: unknown; type?: unknown };
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
  if (type === 'entity.too.large') return bodyTooLarge();
  if (type === 'entity.parse.failed') return new HttpError(400, 'invalid_request', 'The request body is not valid JSON');
  return new HttpError(status, 'invalid_request', 'The request could not be read');
}
