import type { Express } from 'express';
import { hkdfSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { pino } from 'pino';
import request from 'supertest';

import { createApp } from './app';
import { PasswordHasher } from './auth/password-hasher';
import { seedUser } from './auth/seed-user';
import type { TokenResponse } from './auth/token-service';
import { UserStore } from './auth/user-store';
import { loadConfig, type Config, type Env } from './config';
import { openDatabase, type Db } from './database';

/** The demo credentials every test app is seeded with. */
export const DEMO = { userName: 'demo', password: 'demo-password' };

/** A second seeded user. */
export const OTHER = { userName: 'other', password: 'other-password' };

/** An app over a temp DATA_DIR with a fake clock; for specs only. */
export interface TestApp {
  app: Express;
  config: Config;
  db: Db;
  dataDir: string;
  /** The fake clock, in epoch ms. */
  now(): number;
  /** Moves the fake clock forward. */
  advance(seconds: number): void;
  /** Signs in (DEMO by default) and returns the token response, failing the spec on anything but 200. */
  signIn(credentials?: { userName: string; password: string }): Promise<TokenResponse>;
  /** Closes the database; `removeDataDir` also deletes the directory. */
  close(options?: { removeDataDir?: boolean }): void;
}

/** Creates a test app; pass `dataDir` to reopen an earlier one (a restart), `env` to override settings. */
export async function createTestApp(options: { env?: Env; dataDir?: string; startAt?: number } = {}): Promise<TestApp> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'token-server-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    STATIC_DIR: join(dataDir, 'no-static-app'),
    ...options.env,
  });
  const db = openDatabase(dataDir);
  let time = options.startAt ?? Date.UTC(2030, 0, 1);
  const now = () => time;
  const users = new UserStore(db);
  const passwords = new PasswordHasher();
  await seedUser(users, passwords, DEMO, time);
  await seedUser(users, passwords, OTHER, time);
  const app = createApp({ config, db, now, logger: pino({ level: 'silent' }) });

  return {
    app,
    config,
    db,
    dataDir,
    now,
    advance: (seconds) => {
      time += seconds * 1000;
    },
    signIn: async (credentials = DEMO) => {
      const response = await request(app).post('/authorization/token').send(credentials).expect(200);
      return response.body as TokenResponse;
    },
    close: ({ removeDataDir = true } = {}) => {
      db.close();
      if (removeDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Signs arbitrary claims with the app's real access-token key, to build tokens that only fail on one point. */
export function signWithAppKey(config: Config, payload: object, header: Record<string, unknown> = { typ: 'at+jwt' }): string {
  const key = Buffer.from(hkdfSync('sha256', config.jwtSecret, Buffer.alloc(0), 'access-token', 32));
  return jwt.sign(payload, key, { algorithm: 'HS256', header: { alg: 'HS256', ...header } as jwt.JwtHeader });
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
