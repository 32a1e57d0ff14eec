import { createHash, randomUUID } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

/** A DPoP client's ES256 key, for e2e tests and benchmarks: it signs proofs as a browser's `withDPoP()` does. */
export interface ProofKey {
  readonly jwk: JWK;
  readonly jkt: string;
  /** A fresh proof (RFC 9449 §4.2) for `htm` on `htu`; with `ath` when it goes with `accessToken`, and the server's `nonce`. */
  proof(htm: string, htu: string, options?: { accessToken?: string; nonce?: string }): Promise<string>;
}

export async function newProofKey(): Promise<ProofKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  return {
    jwk,
    jkt: await calculateJwkThumbprint(jwk),
    proof: (htm, htu, { accessToken, nonce } = {}) => {
      const ath = accessToken === undefined ? undefined : createHash('sha256').update(accessToken).digest('base64url');
      return new SignJWT({ htm, htu, jti: randomUUID(), nonce, ath })
        .setIssuedAt()
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
        .sign(privateKey);
    },
  };
}
