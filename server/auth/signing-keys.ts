import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';

import type { AuthStore, SigningKey } from '../store/auth-store';

/** How often an instance rereads the keys, so a key another instance (or `keys:rotate`) added starts signing here. */
export const KEY_RELOAD_SECONDS = 60;

/** The least time between two rereads caused by an unknown `kid`, so forged kids cannot make every request a query. */
const UNKNOWN_KID_COOLDOWN_MS = 1_000;

/** One public key as the JWKS lists it (RFC 7517). */
export type PublicJwk = JsonWebKey & { kid: string; alg: 'ES256'; use: 'sig' };

/**
 * The ES256 signing keys, shared by every instance through the store. The newest key signs; every key whose public
 * half is still published verifies. Rotating adds a key and schedules the others to leave the JWKS once every token
 * they may have signed has expired: the access-token lifetime plus one reload interval, since an instance that has
 * not reread the keys yet goes on signing with the old one until it does.
 */
export class SigningKeys {
  private signing: { kid: string; key: KeyObject } | undefined;
  private verifying = new Map<string, KeyObject>();
  private published: PublicJwk[] = [];
  private reloading: Promise<void> | undefined;
  private lastReload = 0;

  private constructor(
    private readonly store: AuthStore,
    private readonly now: () => number,
    private readonly accessTokenTtlSeconds: number,
  ) {}

  /** Loads the keys, creating the first one if the database has none (of instances starting together, one does). */
  static async load(store: AuthStore, now: () => number, accessTokenTtlSeconds: number): Promise<SigningKeys> {
    const keys = new SigningKeys(store, now, accessTokenTtlSeconds);
    await keys.addKeyUnlessNewerThan(-1);
    await keys.reload();
    return keys;
  }

  /** Adds a key that signs from now on; returns its kid. */
  async rotate(): Promise<string> {
    const kid = await this.addKeyUnlessNewerThan(Number.MAX_SAFE_INTEGER);
    await this.reload();
    return kid!;
  }

  /**
   * Every KEY_RELOAD_SECONDS: adds a key when the newest is older than `rotationDays` (never when 0), deletes keys
   * that left the JWKS, and rereads the rest. The timer never keeps the process alive; a failed tick waits for the
   * next one. Returns the function that stops it.
   */
  start(rotationDays: number): () => void {
    const tick = async () => {
      if (rotationDays > 0) await this.addKeyUnlessNewerThan(this.now() - rotationDays * 86_400_000);
      await this.store.deleteRetiredKeys(this.now());
      await this.reload();
    };
    const timer = setInterval(() => void tick().catch(() => undefined), KEY_RELOAD_SECONDS * 1000);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** The key that signs new access tokens. */
  current(): { kid: string; key: KeyObject } {
    return this.signing!;
  }

  /** The public key for `kid`; an unknown kid rereads the keys first (at most once a second), since it may be new. */
  async publicKey(kid: string): Promise<KeyObject | undefined> {
    if (!this.verifying.has(kid) && this.now() - this.lastReload >= UNKNOWN_KID_COOLDOWN_MS) await this.reload();
    return this.verifying.get(kid);
  }

  /** The JWKS document: every public key that may still verify a token. */
  jwks(): { keys: PublicJwk[] } {
    return { keys: this.published };
  }

  /** Rereads the keys from the store; concurrent calls share one query. A failure keeps the keys already known. */
  reload(): Promise<void> {
    this.reloading ??= this.read().finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  private async read(): Promise<void> {
    this.lastReload = this.now();
    const rows = await this.store.signingKeys(this.now());
    if (rows.length === 0) return;
    this.signing = { kid: rows[0].kid, key: createPrivateKey({ key: JSON.parse(rows[0].privateJwk), format: 'jwk' }) };
    this.verifying = new Map(rows.map((row) => [row.kid, createPublicKey({ key: JSON.parse(row.publicJwk), format: 'jwk' })]));
    this.published = rows.map(publicJwk);
  }

  private async addKeyUnlessNewerThan(createdAfter: number): Promise<string | undefined> {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { d: _private, ...publicPart } = privateKey.export({ format: 'jwk' });
    const kid = randomBytes(12).toString('base64url');
    const now = this.now();
    const retireOthersAt = now + (this.accessTokenTtlSeconds + KEY_RELOAD_SECONDS) * 1000;
    const key = {
      kid,
      privateJwk: JSON.stringify(privateKey.export({ format: 'jwk' })),
      publicJwk: JSON.stringify(publicPart),
      createdAt: now,
    };
    return (await this.store.addSigningKey(key, createdAfter, retireOthersAt)) ? kid : undefined;
  }
}

function publicJwk(row: SigningKey): PublicJwk {
  return { ...(JSON.parse(row.publicJwk) as JsonWebKey), kid: row.kid, alg: 'ES256', use: 'sig' };
}
