import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';

import type { Config } from '../config';
import type { AuthStore, SigningKey } from '../store/auth-store';

/** The least time between two rereads caused by an unknown `kid`, so forged kids cannot make every request a query. */
const UNKNOWN_KID_COOLDOWN_MS = 1_000;

/** One public key as the JWKS lists it (RFC 7517). */
export type PublicJwk = JsonWebKey & { kid: string; alg: 'ES256'; use: 'sig' };

/** The settings the keys follow. */
export type KeySettings = Pick<Config, 'accessTokenTtlSeconds' | 'keyReloadSeconds'>;

interface LoadedKey {
  kid: string;
  createdAt: number;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/**
 * The ES256 signing keys, shared by every instance through the store.
 *
 * A new key is published in the JWKS at once but signs only after KEY_RELOAD_SECONDS: by then every instance has
 * reread the keys (they all switch together), and a verifier that meets the new `kid` either fetched the JWKS after
 * the key appeared or long enough ago to fetch it again (jose waits 30 s between refetches by default). The older keys
 * leave the JWKS once every token they may have signed has expired: the switch, plus the access-token lifetime, plus
 * one more reload interval for clocks and slow rereads.
 */
export class SigningKeys {
  private loaded: LoadedKey[] = [];
  private published: PublicJwk[] = [];
  private reloading: Promise<void> | undefined;
  private lastReload = 0;

  private constructor(
    private readonly store: AuthStore,
    private readonly now: () => number,
    private readonly settings: KeySettings,
  ) {}

  /** Loads the keys, creating the first one if the database has none (of instances starting together, one does). */
  static async load(store: AuthStore, now: () => number, settings: KeySettings): Promise<SigningKeys> {
    const keys = new SigningKeys(store, now, settings);
    await keys.reload();
    if (keys.loaded.length === 0) {
      // Whether this instance added it or one starting beside it did, read it back.
      await keys.addKeyUnlessNewerThan(-1);
      await keys.reload();
    }
    return keys;
  }

  /** Adds a key, published now and signing after KEY_RELOAD_SECONDS; returns its kid. */
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
      const due = this.now() - rotationDays * 86_400_000;
      // The keys read last say whether one is due; the store decides, so of instances that agree one adds it.
      if (rotationDays > 0 && (this.loaded[0]?.createdAt ?? -1) <= due) await this.addKeyUnlessNewerThan(due);
      await this.store.deleteRetiredKeys(this.now());
      await this.reload();
    };
    const timer = setInterval(() => void tick().catch(() => undefined), this.settings.keyReloadSeconds * 1000);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** The key that signs now: the newest one published for at least KEY_RELOAD_SECONDS, or the first key of all. */
  current(): { kid: string; key: KeyObject } {
    const activeBefore = this.now() - this.settings.keyReloadSeconds * 1000;
    const key = this.loaded.find((candidate) => candidate.createdAt <= activeBefore) ?? this.loaded.at(-1)!;
    return { kid: key.kid, key: key.privateKey };
  }

  /** The public key for `kid`; an unknown kid rereads the keys first (at most once a second), since it may be new. */
  async publicKey(kid: string): Promise<KeyObject | undefined> {
    const known = () => this.loaded.find((key) => key.kid === kid)?.publicKey;
    if (!known() && this.now() - this.lastReload >= UNKNOWN_KID_COOLDOWN_MS) await this.reload();
    return known();
  }

  /** The JWKS document: every public key that may still verify a token, or soon will. */
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
    this.loaded = rows.map((row) => ({
      kid: row.kid,
      createdAt: row.createdAt,
      privateKey: createPrivateKey({ key: JSON.parse(row.privateJwk), format: 'jwk' }),
      publicKey: createPublicKey({ key: JSON.parse(row.publicJwk), format: 'jwk' }),
    }));
    this.published = rows.map(publicJwk);
  }

  private async addKeyUnlessNewerThan(createdAfter: number): Promise<string | undefined> {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { d: _private, ...publicPart } = privateKey.export({ format: 'jwk' });
    const kid = randomBytes(12).toString('base64url');
    const now = this.now();
    const { accessTokenTtlSeconds, keyReloadSeconds } = this.settings;
    const retireOthersAt = now + (2 * keyReloadSeconds + accessTokenTtlSeconds) * 1000;
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
