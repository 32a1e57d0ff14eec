import type { RequestHandler } from 'express';

import { HttpError } from './http-error';

/** The largest request body read, in bytes, on the wire and once inflated. */
export const MAX_BODY_BYTES = 10 * 1024;

/** How long a refused upload may go on being sent before its connection is dropped. */
const LINGER_MS = 1_000;

/** The 413 for a body over {@link MAX_BODY_BYTES}; it closes the connection. */
export function bodyTooLarge(): HttpError {
  return new HttpError(413, 'invalid_request', 'The request body is larger than 10 kB', { Connection: 'close' });
}

/**
 * Refuses a body over `maxBytes` the moment it is known to be too large, declared or streamed, and drops the
 * connection. body-parser alone reads a refused body to its end before answering, so one endless upload could hold
 * a socket and a core for minutes. `100 Continue` goes out only for bodies that will be read.
 */
export function limitBody(maxBytes: number): RequestHandler {
  return (req, res, next) => {
    const refuse = () => {
      if (!res.headersSent) bodyTooLarge().send(res);
      // Let the answer reach the client, then stop receiving whatever it goes on sending.
      res.once('finish', () => setTimeout(() => req.destroy(), LINGER_MS).unref());
    };
    if (Number(req.headers['content-length'] ?? 0) > maxBytes) {
      refuse();
      return;
    }
    if (/^100-continue$/i.test(req.headers.expect ?? '')) res.writeContinue();
    next();
    // body-parser has started reading by now (it does so synchronously); count the same bytes alongside it.
    let received = 0;
    const count = (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) {
        req.off('data', count);
        refuse();
      }
    };
    if (!req.complete) req.on('data', count);
  };
}

/**
 * Refuses a body in any charset but UTF-8 with 415. RFC 8259 makes UTF-8 JSON's only encoding, while body-parser
 * decodes any `utf-*` it is told of, UTF-7 included, whose alternative spellings of characters slip past filters.
 */
export const requireUtf8: RequestHandler = (req, _res, next) => {
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new HttpError(415, 'invalid_request', 'The body must be JSON in UTF-8');
  }
  next();
};
