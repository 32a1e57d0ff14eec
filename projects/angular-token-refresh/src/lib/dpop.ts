import { HttpErrorResponse, HttpEvent, HttpHeaders, HttpRequest, HttpResponse } from '@angular/common/http';
import { InjectionToken, inject } from '@angular/core';
import { Observable, catchError, defer, from, map, switchMap, tap, throwError } from 'rxjs';

import { AUTH_CONFIG } from './auth-config';
import { IndexedDbTokenStorage } from './indexed-db-token-storage';
import { oauthErrorCode } from './oauth-error';
import { inBrowser } from './platform';
import type { TokenStorage } from './token-storage';

/** The key pair proofs are signed with, as IndexedDB keeps it: the private key cannot be exported, by anyone. */
interface StoredKey {
  readonly id: string;
  readonly keyPair: CryptoKeyPair;
}

/**
 * DPoP (RFC 9449) for one browser profile and origin: one ES256 key pair, whose private half page script can use but
 * never export, kept in IndexedDB and shared by every tab; a fresh proof for each request; and the nonces servers
 * ask for, learnt from any answer and shared with sibling tabs.
 */
export class DPoPProofs {
  private key: Promise<StoredKey> | null = null;
  /** The session this tab's key was read for: a new session (here or in a sibling) may come with a new key. */
  private keyFor: string | null = null;
  private readonly jwks = new WeakMap<CryptoKey, Promise<JsonWebKey>>();
  private readonly nonces = new Map<string, string>();

  constructor(
    private readonly storage: TokenStorage | null,
    private readonly channel: BroadcastChannel | null,
    private readonly baseUrl: string,
    private readonly sessionId: () => string | null,
  ) {
    channel?.addEventListener('message', (event: MessageEvent<unknown>) => {
      const { origin, nonce } = (event.data ?? {}) as Record<string, unknown>;
      if (typeof origin === 'string' && typeof nonce === 'string') {
        this.nonces.set(origin, nonce);
      }
    });
  }

  /**
   * A proof for `method` on `url` (RFC 9449 §4.2): `htu` without query and fragment, `iat`, a unique `jti`, the
   * server's nonce when it gave one, and `ath` when the request carries `accessToken`.
   */
  async proof(method: string, url: string, accessToken?: string): Promise<string> {
    const [{ SignJWT, exportJWK, base64url }, { keyPair }] = await Promise.all([import('jose'), this.currentKey()]);
    const target = new URL(url, this.baseUrl);
    const claims = {
      htm: method,
      htu: target.origin + target.pathname,
      jti: crypto.randomUUID(),
      nonce: this.nonces.get(target.origin),
      ath:
        accessToken === undefined
          ? undefined
          : base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken)))),
    };
    let jwk = this.jwks.get(keyPair.publicKey);
    if (!jwk) {
      jwk = exportJWK(keyPair.publicKey);
      this.jwks.set(keyPair.publicKey, jwk);
    }
    return new SignJWT(claims)
      .setIssuedAt()
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await jwk })
      .sign(keyPair.privateKey);
  }

  /**
   * Sends a token-endpoint request with a proof (`send` gets the headers to add), learns the server's nonce from its
   * answer, and answers a `400 use_dpop_nonce` by sending it once more with the nonce it asked for (RFC 9449 §8).
   */
  tokenRequest<T>(method: string, url: string, send: (headers: Record<string, string>) => Observable<HttpResponse<T>>): Observable<T> {
    const attempt = (retried: boolean): Observable<T> =>
      from(this.proof(method, url)).pipe(
        switchMap((proof) => send({ DPoP: proof })),
        map((response) => {
          this.learnNonce(url, response.headers);
          return response.body as T;
        }),
        catchError((error: unknown) => {
          if (error instanceof HttpErrorResponse) {
            this.learnNonce(url, error.headers);
            if (!retried && error.status === 400 && oauthErrorCode(error) === 'use_dpop_nonce') {
              return attempt(true);
            }
          }
          return throwError(() => error);
        }),
      );
    return defer(() => attempt(false));
  }

  /**
   * Sends a request the interceptor authorises with `token` bound to the key: `send` gets a fresh proof (RFC 9449 §7),
   * and the nonce of each answer is learnt.
   */
  authorize(
    req: HttpRequest<unknown>,
    token: string,
    send: (proof: string) => Observable<HttpEvent<unknown>>,
  ): Observable<HttpEvent<unknown>> {
    const learn = (answer: unknown): void => {
      if (answer instanceof HttpResponse || answer instanceof HttpErrorResponse) {
        this.learnNonce(req.url, answer.headers);
      }
    };
    return from(this.proof(req.method, req.url, token)).pipe(switchMap(send), tap<HttpEvent<unknown>>({ next: learn, error: learn }));
  }

  /** Whether `error` is an API's `401` asking for a DPoP nonce (RFC 9449 §9: `WWW-Authenticate: DPoP error="use_dpop_nonce"`). */
  isNonceChallenge(error: unknown): boolean {
    return (
      error instanceof HttpErrorResponse &&
      error.status === 401 &&
      /(^|,)\s*DPoP\b[^]*error="use_dpop_nonce"/i.test(error.headers.get('WWW-Authenticate') ?? '')
    );
  }

  /** Remembers the nonce in an answer from `url`'s server (its `DPoP-Nonce` header), for this tab and its siblings. */
  learnNonce(url: string, headers: HttpHeaders): void {
    const nonce = headers.get('DPoP-Nonce');
    const origin = new URL(url, this.baseUrl).origin;
    if (nonce && this.nonces.get(origin) !== nonce) {
      this.nonces.set(origin, nonce);
      this.channel?.postMessage({ origin, nonce });
    }
  }

  /** The key pair, for a protocol library that signs its own proofs (oauth4webapi's code exchange). */
  async keyPair(): Promise<CryptoKeyPair> {
    return (await this.currentKey()).keyPair;
  }

  /** Replaces the key pair, for a new session; every tab uses the new one once it sees that session. */
  async newKey(): Promise<void> {
    const fresh = await generate();
    await this.storage?.update(() => fresh);
    this.keyFor = this.sessionId();
    this.key = Promise.resolve(fresh);
  }

  private currentKey(): Promise<StoredKey> {
    const session = this.sessionId();
    if (session !== this.keyFor) {
      // Another session than the key was read for: a sibling may have made a new key for it.
      this.keyFor = session;
      this.key = null;
    }
    if (!this.key) {
      const key = this.storage
        ? generate().then((candidate) => this.storage!.update((stored) => (isStoredKey(stored) ? undefined : candidate)))
        : generate();
      this.key = key.then((stored) => stored as StoredKey);
      // A failed read is not remembered, so the next proof tries again.
      this.key.catch(() => (this.key = null));
    }
    return this.key;
  }
}

/** A new ES256 key pair whose private key cannot be exported (WebCrypto: `extractable` false). */
async function generate(): Promise<StoredKey> {
  const keyPair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  return { id: crypto.randomUUID(), keyPair };
}

function isStoredKey(value: unknown): value is StoredKey {
  const key = value as Partial<StoredKey> | null;
  return typeof key?.id === 'string' && key.keyPair?.privateKey instanceof CryptoKey && key.keyPair.publicKey instanceof CryptoKey;
}

/** DPoP proofs for every token request and every request the interceptor authorises, or `null` (bearer tokens). */
export const DPOP = new InjectionToken<DPoPProofs | null>('DPOP', { providedIn: 'root', factory: () => null });

/** Makes the {@link DPOP} proofs of `withDPoP()`: keys in IndexedDB where there is one, in memory otherwise. */
export function browserDPoP(sessionId: () => string | null): DPoPProofs | null {
  if (!inBrowser() || typeof crypto?.subtle === 'undefined') {
    return null;
  }
  const { storageKey } = inject(AUTH_CONFIG);
  const storage = typeof indexedDB === 'undefined' ? null : new IndexedDbTokenStorage(`${storageKey}.dpop`);
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(`${storageKey}.dpop-nonce`) : null;
  return new DPoPProofs(storage, channel, document.baseURI, sessionId);
}

/**
 * Sends a token-endpoint request (`send` gets the headers to add): with a proof when `dpop` is given, through
 * {@link DPoPProofs.tokenRequest}; as it is otherwise. Resolves with the answer's body.
 */
export function tokenRequest<T>(
  dpop: DPoPProofs | null,
  method: string,
  url: string,
  send: (headers: Record<string, string>) => Observable<HttpResponse<T>>,
): Observable<T> {
  return dpop ? dpop.tokenRequest(method, url, send) : send({}).pipe(map((response) => response.body as T));
}
