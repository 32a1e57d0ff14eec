import { PasswordHasher } from './password-hasher';

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
    it('salts each hash and never contains the password', async () => {
      const first = await hasher.hash('same password');
      const second = await hasher.hash('same password');

      expect(first).not.toBe(second);
      expect(first).toMatch(/^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
      expect(first).not.toContain('same password');
    });
  });

  describe('when there is no stored hash (unknown user)', () => {
    it('refuses, even for the dummy password, after spending a full hash', async () => {
      await hasher.verify('warm-up', undefined);
      const started = performance.now();
      await hasher.hash('reference');
      const hashTime = performance.now() - started;

      const verifyStarted = performance.now();
      const result = await hasher.verify('dummy password', undefined);
      const verifyTime = performance.now() - verifyStarted;

      expect(result).toBeFalse();
      expect(verifyTime).toBeGreaterThan(hashTime / 4);
    });
  });
});
