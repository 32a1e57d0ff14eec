import type { Express } from 'express';
import { createServer, type Server } from 'node:http';

import type { Config } from './config';

/**
 * The HTTP server for `app`, with bounds a public server needs: a request must arrive, headers and body, within
 * `requestTimeoutSeconds` (Node's default is 5 minutes, checked every 30 s), and `Expect: 100-continue` is left to
 * the app, which refuses an oversized body before inviting it.
 */
export function createHttpServer(app: Express, config: Config): Server {
  const requestTimeout = config.requestTimeoutSeconds * 1000;
  const server = createServer({ requestTimeout, headersTimeout: Math.min(requestTimeout, 10_000), connectionsCheckingInterval: 500 }, app);
  server.on('checkContinue', (req, res) => app(req, res));
  return server;
}
