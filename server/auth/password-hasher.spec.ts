import { createRequire } from 'node:module';

import { legacyScryptHash } from '../test-app';
import { PasswordHasher } from './password-hasher';

// The package's own exports object, which the hasher's import reads through at each call.
const argon2 = createRequire(__filename)('@node-rs/argon2') as typeof import('@node-rs/argon2');

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  describe('when verifying against a stored hash', () => {
    it('accepts the right password and refuses a wrong one', async () => {
      const hash = await hasher.hash('correct horse');

      expect(await hasher.verify('correct horse', hash)).toBeTrue();
      expect(await hasher.verify('correct horsf', hash)).toBeFalse();
    });

    it('tells apart long passwords that differ only at the end (no 72-byte truncation)', async () => {
      const base = 'p'.repeat(100);
      const hash = await hasher.hash(`${base}1`);

      expect(await hasher.verify(`${base}2`, hash)).toBeFalse();
    });

    it('refuses a corrupt hash instead of throwing', async () => {
      expect(await hasher.verify('anything', 'not-a-hash')).toBeFalse();
    });
  });

  describe('when hashing', () => {
    it("salts each hash with Argon2id at OWASP's parameters (19 MiB, 2 passes, 1 lane) and never contains the password", async () => {
      const first = await hasher.hash('same password');
      const second = await hasher.hash('same password');

      expect(first).not.toBe(second);
      expect(first).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[\w+/]{22}\$[\w+/]{43}$/);
      expect(first).not.toContain('same password');
      expect(hasher.needsRehash(first)).toBeFalse();
    });
  });

  describe('when the stored hash is a legacy scrypt one (N = 2^14)', () => {
    it('still verifies it, and says it needs rehashing', async () => {
      const legacy = legacyScryptHash('old password');

      expect(await hasher.verify('old password', legacy)).toBeTrue();
      expect(await hasher.verify('wrong password', legacy)).toBeFalse();
      expect(hasher.needsRehash(legacy)).toBeTrue();
    });
  });

  describe('when there is no stored hash (unknown user)', () => {
    it('refuses, even for the dummy password', async () => {
      expect(await hasher.verify('dummy password', undefined)).toBeFalse();
    });

    it('checks against a dummy hash built at construction, so even the first unknown user costs one ordinary check', async () => {
      const hash = spyOn(argon2, 'hash').and.callThrough();

      const fresh = new PasswordHasher();
      const builtAtStart = hash.calls.count();
      await fresh.verify('anything', undefined);

      expect(builtAtStart).toBe(1);
      expect(hash.calls.count()).toBe(1);
    });
  });
});
