import type { Express } from 'express';
import { execFile } from 'node:child_process';
import { createHmac, randomBytes, scryptSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import request from 'supertest';

import { createApp } from './app';
import { PasswordHasher } from './auth/password-hasher';
import { seedUser } from './auth/seed-user';
import { SigningKeys } from './auth/signing-keys';
import { refreshTokenKey, type TokenResponse } from './auth/token-service';
import { loadConfig, type Config, type Env } from './config';
import type { AuthStore } from './store/auth-store';
import { PostgresStore } from './store/postgres-store';
import { SqliteStore, type Db } from './store/sqlite-store';
import { connectRedis } from './throttle-store';

/** The demo credentials test apps are seeded with by default. */
export const DEMO = { userName: 'demo', password: 'demo-password' };

/** A second user, seeded when a spec asks for it. */
export const OTHER = { userName: 'other', password: 'other-password' };

/** An app over a temp DATA_DIR with a fake clock; for specs only. */
export interface TestApp {
  app: Express;
  config: Config;
  /** Its store: SQLite in `dataDir`, or PostgreSQL when created with `databaseUrl`. */
  store: AuthStore;
  /** The SQLite connection, for specs that look at rows directly; throws on PostgreSQL. */
  readonly db: Db;
  /** The ES256 keys, when the env asks for JWT_ALG=ES256. */
  keys?: SigningKeys;
  dataDir: string;
  /** The fake clock, in epoch ms. */
  now(): number;
  /** Moves the fake clock forward. */
  advance(seconds: number): void;
  /** Signs in (DEMO by default) and returns the token response, failing the spec on anything but 200. */
  signIn(credentials?: { userName: string; password: string }): Promise<TokenResponse>;
  /** Closes the database; `removeDataDir` also deletes the directory. */
  close(options?: { removeDataDir?: boolean }): Promise<void>;
}

/**
 * Creates a test app; pass `dataDir` to reopen an earlier one (a restart), `env` to override settings, `databaseUrl`
 * to run it on PostgreSQL.
 */
export async function createTestApp(
  options: { env?: Env; dataDir?: string; databaseUrl?: string; startAt?: number; users?: { userName: string; password: string }[] } = {},
): Promise<TestApp> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'token-server-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    STATIC_DIR: join(dataDir, 'no-static-app'),
    ...options.env,
  });
  const store: AuthStore = options.databaseUrl ? await PostgresStore.open(options.databaseUrl) : SqliteStore.open(dataDir);
  let time = options.startAt ?? Date.UTC(2030, 0, 1);
  const now = () => time;
  const passwords = new PasswordHasher();
  for (const credentials of options.users ?? [DEMO]) await seedUser(store, passwords, credentials, time);
  const keys = config.jwtAlg === 'ES256' ? await SigningKeys.load(store, now, config) : undefined;
  const redis = config.redisUrl ? connectRedis(config.redisUrl, () => undefined) : undefined;
  const app = createApp({ config, store, keys, now, logger: pino({ level: 'silent' }), redis });

  return {
    app,
    config,
    store,
    get db() {
      if (!(store instanceof SqliteStore)) throw new Error('This test app runs on PostgreSQL: use its store');
      return store.db;
    },
    keys,
    dataDir,
    now,
    advance: (seconds) => {
      time += seconds * 1000;
    },
    signIn: async (credentials = DEMO) => {
      const response = await request(app).post('/authorization/token').send(credentials).expect(200);
      return response.body as TokenResponse;
    },
    close: async ({ removeDataDir = true } = {}) => {
      redis?.destroy();
      await store.close();
      if (removeDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The app's derived access-token key, as `TokenService` derives it from JWT_SECRET. */
export function appAccessKey(config: Config): Buffer {
  return Buffer.from(config.jwtSecret);
}

/** The key the app MACs refresh tokens with, as the app derives it; an access token MACed with it must be refused. */
export function appRefreshKey(config: Config): Buffer {
  return refreshTokenKey(config.jwtSecret);
}

/** Builds a JWT by hand (jsonwebtoken refuses to sign malformed claims); HS-signed with `key`, or unsigned for `alg: none`. */
export function forgeJwt(header: Record<string, unknown>, payload: Record<string, unknown>, key?: Buffer): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const signingInput = `${encode(header)}.${encode(payload)}`;
  const hash = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[header['alg'] as string];
  const signature = key && hash ? createHmac(hash, key).update(signingInput).digest('base64url') : '';
  return `${signingInput}.${signature}`;
}

/** Valid access-token claims for `testApp` at its current time, to be edited by a spec. */
export function validClaims(testApp: TestApp): Record<string, unknown> {
  const iat = Math.floor(testApp.now() / 1000);
  return {
    sub: 'user-id',
    name: 'demo',
    sid: 'session-id',
    iat,
    exp: iat + testApp.config.accessTokenTtlSeconds,
    iss: testApp.config.jwtIssuer,
    aud: testApp.config.jwtAudience,
  };
}

/** A hash in the format this server wrote before Argon2id: `scrypt$N$r$p$salt$key`. */
export function legacyScryptHash(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password.normalize('NFC'), salt, 32, { N: 16384, r: 8, p: 1 });
  return ['scrypt', 16384, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Starts `count` processes that run one start-up step (`config` or `database`) on one fresh DATA_DIR at the same moment. */
export async function raceStart(step: 'config' | 'database', count: number): Promise<{ code: number; output: string }[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'token-race-'));
  // Far enough ahead for every child to have loaded, so they all start the step within the same millisecond or so.
  const goAt = String(Date.now() + 2_500);
  try {
    return await Promise.all(
      Array.from(
        { length: count },
        () =>
          new Promise<{ code: number; output: string }>((resolve) => {
            const child = execFile(
              process.execPath,
              ['--import', 'tsx', join(__dirname, 'start-race.ts'), step, dataDir, goAt],
              (error, stdout) => resolve({ code: error ? (child.exitCode ?? 1) : 0, output: stdout.trim() }),
            );
          }),
      ),
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
