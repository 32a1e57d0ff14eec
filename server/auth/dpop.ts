import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { EmbeddedJWK, calculateJwkThumbprint, jwtVerify, type JWK } from 'jose';

import type { Config, DPoPMode } from '../config';
import { HttpError } from '../http-error';
import type { Redis } from '../throttle-store';

/** The algorithms a proof may be signed with (`DPoP-Nonce`'s `algs`, the discovery field's value). */
export const DPOP_ALGS = ['ES256'];

/** The longest `DPoP` header read; anything longer is refused before it is parsed. */
const MAX_PROOF_LENGTH = 8192;
/** The longest `jti` taken: 128 characters is far more than the 16 random bytes a client needs. */
const MAX_JTI_LENGTH = 128;
/** How far ahead of this clock a proof's `iat` may be: clients' clocks run a little fast, too. */
const FUTURE_SKEW_SECONDS = 5;
/** Proofs remembered in this process (without Redis): past it the oldest goes, which may let it be replayed. */
const MEMORY_JTI_CAPACITY = 200_000;

/** The settings a verifier reads: the token server's `Config`, or a resource server's own. */
export type DPoPConfig = Pick<Config, 'dpop' | 'dpopNonceSeconds' | 'dpopProofMaxAgeSeconds' | 'jwtSecret' | 'redisPrefix'>;

/** Where a proof was presented: its refusals are answered per RFC 9449 §5 (token endpoint) or §7.1 (resource). */
export type ProofSite = 'token' | 'resource';

/**
 * Checks DPoP proofs (RFC 9449 §4.3): one compact JWS in a `DPoP` header, `typ` dpop+jwt, ES256, signed by the
 * public key in its own header; `htm` and `htu` naming this request; an `iat` no older than DPOP_PROOF_MAX_AGE_SECONDS;
 * a `jti` not seen before within that age (in Redis when there is one, so every instance shares it); `ath` matching
 * the access token on resource requests; and, with DPOP_NONCE_SECONDS, a nonce this server issued.
 *
 * Nonces need no shared store: each is the rotation period's number with its HMAC under a key derived from
 * JWT_SECRET, so every instance makes and accepts the same ones. The current and the previous period's are accepted.
 */
export class DPoPVerifier {
  /** What DPOP says. */
  readonly mode: DPoPMode;
  private readonly nonceKey: Buffer;
  private readonly seen = new Map<string, number>();

  constructor(private readonly deps: { config: DPoPConfig; redis?: Redis; now: () => number }) {
    this.mode = deps.config.dpop;
    this.nonceKey = Buffer.from(hkdfSync('sha256', deps.config.jwtSecret, Buffer.alloc(0), 'dpop-nonce', 32));
  }

  /** Whether nonces are on: then every response to a request with a proof carries `DPoP-Nonce`. */
  get usesNonces(): boolean {
    return this.mode !== 'off' && this.deps.config.dpopNonceSeconds > 0;
  }

  /** The nonce clients should put in their next proofs. */
  currentNonce(): string {
    return this.nonceFor(this.period());
  }

  /**
   * The JWK thumbprint (RFC 7638) of the key that signed `req`'s valid proof, or undefined when it carries none (the
   * caller decides whether that is allowed). A proof that fails any check throws an `HttpError` for `site`.
   * `accessToken` is the token the request presents (resource requests): the proof's `ath` must be its hash.
   */
  async verify(req: Request, site: ProofSite, accessToken?: string): Promise<string | undefined> {
    const headers = req.headersDistinct['dpop'];
    if (headers === undefined) return undefined;
    const refuse = (description: string) => this.refusal(site, 'invalid_dpop_proof', description);
    if (headers.length !== 1) throw refuse('Send one DPoP header');
    const proof = headers[0];
    if (proof.length > MAX_PROOF_LENGTH) throw refuse('The DPoP proof is too long');

    let payload: Record<string, unknown>;
    let jwk: JWK;
    try {
      const verified = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: DPOP_ALGS });
      payload = verified.payload;
      jwk = verified.protectedHeader.jwk as JWK;
    } catch {
      throw refuse('The DPoP proof is not a valid dpop+jwt signed with ES256 by the key in its header');
    }

    const { jti, htm, htu, iat, ath, nonce } = payload;
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) throw refuse('The DPoP proof needs a jti');
    if (htm !== req.method) throw refuse(`The DPoP proof's htm is not ${req.method}`);
    if (typeof htu !== 'string' || !sameTarget(htu, requestUrl(req))) throw refuse("The DPoP proof's htu is not this request's URL");
    const nowSeconds = Math.floor(this.deps.now() / 1000);
    const maxAge = this.deps.config.dpopProofMaxAgeSeconds;
    if (typeof iat !== 'number' || iat < nowSeconds - maxAge || iat > nowSeconds + FUTURE_SKEW_SECONDS) {
      throw refuse('The DPoP proof is too old, or from the future');
    }
    if (accessToken !== undefined && ath !== sha256(accessToken)) throw refuse("The DPoP proof's ath does not match the access token");
    if (accessToken === undefined && ath !== undefined) throw refuse('A DPoP proof for the token endpoint has no ath');
    if (this.usesNonces && !(typeof nonce === 'string' && this.isCurrentNonce(nonce))) {
      throw this.refusal(site, 'use_dpop_nonce', 'Use the DPoP-Nonce this server gave');
    }

    const jkt = await calculateJwkThumbprint(jwk, 'sha256');
    // A jti is unique per key: remembered with the thumbprint, so no client can spend another's jti.
    if (!(await this.firstUse(`${jkt}.${jti}`, (maxAge + FUTURE_SKEW_SECONDS) * 1000))) throw refuse('The DPoP proof was used before');
    return jkt;
  }

  /** An `HttpError` for a refused proof at `site`, carrying the nonce to use next when nonces are on. */
  refusal(site: ProofSite, code: 'invalid_dpop_proof' | 'use_dpop_nonce' | 'invalid_token', description: string): HttpError {
    const headers: Record<string, string> = this.usesNonces ? { 'DPoP-Nonce': this.currentNonce() } : {};
    if (site === 'resource') {
      headers['WWW-Authenticate'] = `DPoP algs="${DPOP_ALGS.join(' ')}", error="${code}", error_description="${description}"`;
      return new HttpError(401, code, description, headers);
    }
    return new HttpError(400, code, description, headers);
  }

  private period(): number {
    return Math.floor(this.deps.now() / (this.deps.config.dpopNonceSeconds * 1000));
  }

  private nonceFor(period: number): string {
    const text = period.toString(36);
    return `${text}.${createHmac('sha256', this.nonceKey).update(text).digest('base64url').slice(0, 22)}`;
  }

  private isCurrentNonce(nonce: string): boolean {
    const current = this.period();
    return [current, current - 1].some((period) => {
      const expected = Buffer.from(this.nonceFor(period));
      const given = Buffer.from(nonce);
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  }

  /** Records `key` for `ttlMs`; false if it was recorded already. With Redis, a Redis outage is a 503, never a replay. */
  private async firstUse(key: string, ttlMs: number): Promise<boolean> {
    const { redis, config, now } = this.deps;
    if (redis) {
      try {
        const set = await redis.set(`${config.redisPrefix}dpop-jti:${sha256(key)}`, '1', {
          condition: 'NX',
          expiration: { type: 'PX', value: ttlMs },
        });
        return set === 'OK';
      } catch {
        throw new HttpError(503, 'temporarily_unavailable', 'DPoP proofs cannot be checked right now; try again shortly', {
          'Retry-After': '5',
        });
      }
    }
    const at = now();
    if (this.seen.size >= MEMORY_JTI_CAPACITY) {
      // Insertion order is expiry order (one TTL for all): drop the expired, then, if still full, the oldest.
      for (const [seenKey, expiresAt] of this.seen) {
        if (expiresAt > at && this.seen.size < MEMORY_JTI_CAPACITY) break;
        this.seen.delete(seenKey);
      }
    }
    const expiresAt = this.seen.get(key);
    if (expiresAt !== undefined && expiresAt > at) return false;
    this.seen.set(key, at + ttlMs);
    return true;
  }
}

/**
 * A verifier for a resource server that is not the token server (the JWKS example, the OAuth test harness): proofs up
 * to 60 s old, jtis remembered in process, and with `nonceSeconds` > 0 nonces under a random key, so only this process
 * issues and accepts them.
 */
export function standaloneDPoPVerifier(mode: DPoPMode, nonceSeconds = 0): DPoPVerifier {
  const config = { dpop: mode, dpopNonceSeconds: nonceSeconds, dpopProofMaxAgeSeconds: 60, redisPrefix: '' };
  return new DPoPVerifier({ config: { ...config, jwtSecret: randomBytes(32).toString('base64url') }, now: Date.now });
}

/** The `ath` of an access token, or any SHA-256 in base64url. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** The URL this request was sent to as the client saw it (through trusted proxies), without query or fragment. */
function requestUrl(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? ''}${req.originalUrl.split('?')[0]}`;
}

/** RFC 9449 §4.3: `htu` compared without query and fragment, after the normalization RFC 3986 §6 allows. */
function sameTarget(htu: string, expected: string): boolean {
  try {
    const given = new URL(htu);
    const actual = new URL(expected);
    return given.origin === actual.origin && given.pathname === actual.pathname;
  } catch {
    return false;
  }
}
