import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { scrypt, timingSafeEqual } from 'node:crypto';

import { HashingSlots } from './hashing-slots';

/** The longest password accepted, in UTF-8 bytes; longer ones are refused before hashing (hash DoS). */
export const MAX_PASSWORD_BYTES = 1024;

/** OWASP Password Storage Cheat Sheet's first Argon2id configuration: 19 MiB, 2 passes, 1 lane. */
// `Algorithm` is a const enum, which isolatedModules cannot read: 2 is Algorithm.Argon2id.
const ARGON2 = { algorithm: 2 as Algorithm, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/** What a hash made with {@link ARGON2} starts with; any other hash is upgraded at the next sign-in. */
const CURRENT_PREFIX = `$argon2id$v=19$m=${ARGON2.memoryCost},t=${ARGON2.timeCost},p=${ARGON2.parallelism}$`;

/** Hashes passwords with Argon2id (PHC strings carry their own parameters and salt); still verifies legacy scrypt hashes. */
export class PasswordHasher {
  private readonly slots: HashingSlots;
  // Built at start-up, so the first unknown user costs what every other check costs.
  private readonly dummyHash: Promise<string>;

  /** Runs at most `concurrency` hashes at once, with `queueLength` more waiting (see {@link HashingSlots}). */
  constructor(options: { concurrency?: number; queueLength?: number } = {}) {
    this.slots = new HashingSlots(options.concurrency ?? 2, options.queueLength ?? 32);
    this.dummyHash = hash('dummy password', ARGON2);
    this.dummyHash.catch(() => undefined);
  }

  /** Returns the Argon2id PHC string for `password`. */
  hash(password: string, signal?: AbortSignal): Promise<string> {
    return this.slots.run(() => hash(password.normalize('NFC'), ARGON2), signal);
  }

  /** Checks `password` in constant time; with no stored hash it still spends a full check, then returns false. */
  async verify(password: string, storedHash: string | undefined, signal?: AbortSignal): Promise<boolean> {
    // Unknown users cost the same as wrong passwords, so timing does not reveal which names exist.
    const against = storedHash ?? (await this.dummyHash);
    const valid = await this.slots.run(() => check(password.normalize('NFC'), against), signal);
    return valid && storedHash !== undefined;
  }

  /** Whether `storedHash` was made with weaker or older parameters than today's. */
  needsRehash(storedHash: string): boolean {
    return !storedHash.startsWith(CURRENT_PREFIX);
  }
}

async function check(password: string, storedHash: string): Promise<boolean> {
  if (storedHash.startsWith('$argon2')) return verify(storedHash, password).catch(() => false);
  const [scheme, n, r, p, salt, expected] = storedHash.split('$');
  if (scheme !== 'scrypt' || !salt || !expected) return false;
  const expectedKey = Buffer.from(expected, 'base64url');
  const options = { N: Number(n), r: Number(r), p: Number(p) };
  const key = await new Promise<Buffer>((resolve, reject) =>
    scrypt(password, Buffer.from(salt, 'base64url'), expectedKey.length, options, (error, derived) =>
      error ? reject(error) : resolve(derived),
    ),
  );
  return timingSafeEqual(key, expectedKey);
}
