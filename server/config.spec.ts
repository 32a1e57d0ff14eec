import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { loadConfig, SECRET_FILE } from './config';
import { raceStart } from './test-app';

describe('loadConfig', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'token-config-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('when only DATA_DIR is set', () => {
    it('uses the contract defaults', () => {
      const config = loadConfig({ DATA_DIR: dataDir });

      expect(config).toEqual(
        jasmine.objectContaining({
          port: 7000,
          host: 'localhost',
          jwtIssuer: 'angular-token-refresh',
          jwtAudience: 'angular-token-refresh-api',
          accessTokenTtlSeconds: 300,
          sessionTtlSeconds: 1_209_600,
          refreshReuseWindowSeconds: 0,
          demoUser: 'demo',
          demoPassword: 'demo-password',
          corsOrigins: ['http://localhost:4200'],
          loginMaxFailures: 10,
          loginWindowSeconds: 900,
          refreshRateLimit: 300,
          verifyCacheSize: 10_000,
          sweepIntervalSeconds: 3600,
          jwtAlg: 'HS256',
          keyRotationDays: 0,
          keyReloadSeconds: 60,
          databaseUrl: undefined,
          databasePoolSize: 10,
          logLevel: 'info',
        }),
      );
    });

    it('generates a 32-byte secret into DATA_DIR with mode 0600', () => {
      const config = loadConfig({ DATA_DIR: dataDir });

      const file = join(dataDir, SECRET_FILE);
      expect(readFileSync(file, 'utf8')).toBe(config.jwtSecret);
      expect(Buffer.from(config.jwtSecret, 'base64url').length).toBe(32);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    });
  });

  describe('when several servers start at once on a fresh DATA_DIR', () => {
    it('gives them all the same generated secret, in every one of 8 trials', async () => {
      const trials = await Promise.all(Array.from({ length: 8 }, () => raceStart('config', 3)));

      for (const results of trials) {
        expect(results.map((result) => result.code)).toEqual([0, 0, 0]);
        expect(new Set(results.map((result) => result.output)).size).toBe(1);
      }
    }, 60_000);
  });

  describe('when the secret file is empty or truncated (a crash while an older server wrote it)', () => {
    it('says which file is broken and to delete it, not to unset JWT_SECRET', () => {
      writeFileSync(join(dataDir, SECRET_FILE), '');

      expect(() => loadConfig({ DATA_DIR: dataDir })).toThrowError(new RegExp(`${SECRET_FILE}.*delete it`));
      expect(() => loadConfig({ DATA_DIR: dataDir })).not.toThrowError(/Unset JWT_SECRET/);
    });
  });

  describe('when loaded again over the same DATA_DIR', () => {
    it('reuses the persisted secret', () => {
      const first = loadConfig({ DATA_DIR: dataDir });

      const second = loadConfig({ DATA_DIR: dataDir });

      expect(second.jwtSecret).toBe(first.jwtSecret);
    });
  });

  describe('when DATA_DIR does not exist', () => {
    it('creates it', () => {
      const nested = join(dataDir, 'a', 'b');

      loadConfig({ DATA_DIR: nested });

      expect(statSync(nested).isDirectory()).toBeTrue();
    });
  });

  describe('when JWT_SECRET is set', () => {
    it('uses it and writes no secret file', () => {
      const secret = 'x'.repeat(32);

      const config = loadConfig({ DATA_DIR: dataDir, JWT_SECRET: secret });

      expect(config.jwtSecret).toBe(secret);
      expect(() => statSync(join(dataDir, SECRET_FILE))).toThrow();
    });

    it('refuses a secret shorter than 32 bytes', () => {
      expect(() => loadConfig({ DATA_DIR: dataDir, JWT_SECRET: 'x'.repeat(31) })).toThrowError(/JWT_SECRET.*31 bytes.*at least 32/);
    });
  });

  describe('when a value is invalid', () => {
    const cases: [string, string][] = [
      ['ACCESS_TOKEN_TTL_SECONDS', 'five minutes'],
      ['ACCESS_TOKEN_TTL_SECONDS', '0'],
      ['SESSION_TTL_SECONDS', '1.5'],
      ['REFRESH_REUSE_WINDOW_SECONDS', '-1'],
      ['PORT', '70000'],
      ['LOGIN_MAX_FAILURES', '1e3'],
      ['LOGIN_WINDOW_SECONDS', '3000000'],
      ['REFRESH_RATE_LIMIT', 'lots'],
      ['TRUST_PROXY', 'true'],
      ['LOG_LEVEL', 'loud'],
      ['JWT_ALG', 'RS256'],
      ['JWT_ALG', 'none'],
      ['KEY_RELOAD_SECONDS', '0'],
      ['KEY_ROTATION_DAYS', 'weekly'],
      ['DATABASE_URL', 'mysql://root@localhost/db'],
      ['DATABASE_POOL_SIZE', '0'],
      ['DATABASE_URL', 'postgres://user:pa ss@host/db'],
    ];

    for (const [name, value] of cases) {
      it(`throws an error naming ${name} for "${value}"`, () => {
        expect(() => loadConfig({ DATA_DIR: dataDir, [name]: value })).toThrowError(new RegExp(`^Invalid ${name}:`));
      });
    }

    it('never repeats a DATABASE_URL, which may hold a password', () => {
      const message = (() => {
        try {
          loadConfig({ DATA_DIR: dataDir, DATABASE_URL: 'mysql://root:hunter2@db/x' });
          return 'no error';
        } catch (error) {
          return (error as Error).message;
        }
      })();

      expect(message).toMatch(/^Invalid DATABASE_URL:/);
      expect(message).not.toContain('hunter2');
    });
  });

  describe('when values are valid', () => {
    it('parses numbers and lists', () => {
      const config = loadConfig({
        DATA_DIR: dataDir,
        PORT: '0',
        ACCESS_TOKEN_TTL_SECONDS: '60',
        REFRESH_REUSE_WINDOW_SECONDS: '10',
        CORS_ORIGINS: 'http://a.test, http://b.test',
      });

      expect(config.port).toBe(0);
      expect(config.accessTokenTtlSeconds).toBe(60);
      expect(config.refreshReuseWindowSeconds).toBe(10);
      expect(config.corsOrigins).toEqual(['http://a.test', 'http://b.test']);
    });
  });
});
