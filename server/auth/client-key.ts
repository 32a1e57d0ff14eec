import type { Request } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import { isIP } from 'node:net';

/**
 * The throttling key of the client that sent `req`: its address as Express trusts it (TRUST_PROXY), normalised so
 * one client has one key. IPv4-mapped IPv6 becomes IPv4, every loopback address is one, IPv6 is grouped by /56 (as
 * express-rate-limit does), and a forwarded value that is no IP at all falls back to the socket's peer.
 */
export function clientKey(req: Request): string {
  const address = normalise(req.ip) ?? normalise(req.socket.remoteAddress) ?? 'unknown';
  return isIP(address) === 6 ? ipKeyGenerator(address) : address;
}

function normalise(address: string | undefined): string | undefined {
  if (!address) return undefined;
  const unmapped = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  if (!isIP(unmapped)) return undefined;
  return unmapped === '::1' || unmapped.startsWith('127.') ? 'loopback' : unmapped;
}
