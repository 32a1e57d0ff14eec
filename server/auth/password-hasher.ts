import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** The longest password accepted, in UTF-8 bytes; longer ones are refused before hashing (hash DoS). */
export const MAX_PASSWORD_BYTES = 1024;

const KEY_LENGTH = 32;
const SALT_BYTES = 16;
const PARAMS = { N: 16384, r: 8, p: 1 };

/** Hashes passwords with scrypt and a per-user salt; the hash string carries its own parameters. */
export class PasswordHasher {
  private dummyHash?: Promise<string>;

  /** Returns `scrypt$N$r$p$salt$hash` (base64url) for `password`. */
  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_BYTES);
    const key = await derive(password, salt, PARAMS);
    return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$');
  }

  /** Checks `password` in constant time; with no stored hash it still spends a full hash, then returns false. */
  async verify(password: string, storedHash: string | undefined): Promise<boolean> {
    // Unknown users cost the same as wrong passwords, so timing does not reveal which names exist.
    const hash = storedHash ?? (await (this.dummyHash ??= this.hash('dummy password')));
    const [scheme, n, r, p, salt, expected] = hash.split('$');
    if (scheme !== 'scrypt' || !salt || !expected) return false;
    const expectedKey = Buffer.from(expected, 'base64url');
    const key = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) }, expectedKey.length);
    return timingSafeEqual(key, expectedKey) && storedHash !== undefined;
  }
}

function derive(password: string, salt: Buffer, options: ScryptOptions, length = KEY_LENGTH): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, length, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}
