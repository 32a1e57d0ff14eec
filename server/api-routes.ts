import express, { type RequestHandler, type Router } from 'express';
import { setTimeout as sleep } from 'node:timers/promises';

import type { DPoPVerifier } from './auth/dpop';
import { requireAuth } from './auth/require-auth';
import type { AccessClaims, TokenService } from './auth/token-service';
import { HttpError } from './http-error';

/** The longest `?delay=` in milliseconds. */
export const MAX_DELAY_MS = 2000;

/** The `/api` routes: the protected resource. */
export function createApiRouter(tokens: TokenService, dpop: DPoPVerifier): Router {
  const router = express.Router();

  router.get('/resources', delay, requireAuth(tokens, dpop), (_req, res) => {
    const claims = res.locals['claims'] as AccessClaims;
    res.json(`protected resources, username: ${claims.name}`);
  });

  return router;
}

/** Waits `?delay=` ms before the request goes on, so demos and benchmarks can simulate latency for 200s and 401s alike. */
const delay: RequestHandler = async (req, _res, next) => {
  // Without a query string there is nothing to parse (Express parses req.query on first read, at a cost).
  if (!req.url.includes('?')) return next();
  const value = req.query['delay'];
  if (value === undefined) return next();
  const ms = typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!(ms <= MAX_DELAY_MS)) throw new HttpError(400, 'invalid_request', `"delay" must be an integer from 0 to ${MAX_DELAY_MS}`);
  await sleep(ms);
  next();
};
