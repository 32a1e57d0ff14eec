import { test as base, expect, Page, Request } from '@playwright/test';

import { PasswordHasher } from '../server/auth/password-hasher';
import { seedUser } from '../server/auth/seed-user';
import { randomBytes } from 'node:crypto';

import { REDIS, redisAnswers } from '../server/redis-test-server';
import { startTokenServer } from '../server/start-token-server';
import type { AuthStore } from '../server/store/auth-store';
import { PostgresStore } from '../server/store/postgres-store';
import { createTestDatabase, postgresAnswers } from '../server/store/postgres-test-database';
import { SqliteStore } from '../server/store/sqlite-store';
import { DEMO_COOKIE_DIR, DEMO_DPOP_DIR } from './build-app';

/** One HTTP exchange the page made, as the browser saw it. */
export interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly authorization: string | null;
  readonly body: string | null;
}

/** How the demo under test keeps the refresh token: its default build, or the cookie build (withRefreshTokenCookie). */
export type DemoMode = 'stored' | 'cookie' | 'dpop';

/**
 * What serves the demo: one token server on SQLite, or the scale-out setting, `serve:cluster` with two workers on a
 * PostgreSQL database of its own, ES256 keys and throttling in Redis.
 */
export type DemoBackend = 'single' | 'scale-out';

/** Why a scale-out test is skipped on a machine without the services (CI fails instead: .ci/run checks them). */
const SCALE_OUT_SKIPPED = 'PostgreSQL or Redis does not answer: the scale-out e2e tests are skipped';

interface WorkerFixtures {
  /** Which build of the demo the token server serves; a project option, so one spec file can run in both modes. */
  demoMode: DemoMode;
  /** What serves it; a project option too. */
  demoBackend: DemoBackend;
  /** Whether the services `demoBackend` needs answer. */
  backendAvailable: boolean;
  /** Extra environment for the token server of this file's worker, e.g. a short token lifetime. */
  serverEnv: Record<string, string>;
  /** Users besides the demo user, seeded into the server's database before it starts, as name → password. */
  serverUsers: Record<string, string>;
  /** Base URL of a token server serving the production build, on a free port with a fresh DATA_DIR. */
  serverUrl: string;
}

/** Records every exchange of a page with the app's API, in completion order. */
export class NetworkLog {
  private pending: Promise<Exchange | null>[] = [];

  /** Starts recording the page's API traffic. */
  constructor(page: Page) {
    const track = (request: Request) => this.pending.push(toExchange(request));
    page.on('requestfinished', track);
    page.on('requestfailed', track);
  }

  /** Every exchange so far, once each has been read in full. */
  async exchanges(): Promise<Exchange[]> {
    const all = await Promise.all(this.pending);
    return all.filter((exchange): exchange is Exchange => exchange !== null);
  }

  /** Forgets what was recorded so far. */
  clear(): void {
    this.pending = [];
  }
}

interface TestFixtures {
  /** The test page's API traffic. */
  network: NetworkLog;
  /** Skips the test, before any server starts, when its backend's services do not answer. */
  skipWithoutBackend: void;
}

/** Playwright's `test`, with a real token server per worker and a network recorder per page. */
export const test = base.extend<TestFixtures, WorkerFixtures>({
  demoMode: ['stored', { scope: 'worker', option: true }],
  demoBackend: ['single', { scope: 'worker', option: true }],
  backendAvailable: [
    async ({ demoBackend }, use) => use(demoBackend === 'single' || ((await postgresAnswers()) && (await redisAnswers()))),
    { scope: 'worker' },
  ],
  serverEnv: [{}, { scope: 'worker', option: true }],
  serverUsers: [{}, { scope: 'worker', option: true }],
  serverUrl: [
    async ({ demoMode, demoBackend, serverEnv, serverUsers }, use) => {
      const build: Record<string, string> = { stored: {}, cookie: { STATIC_DIR: DEMO_COOKIE_DIR }, dpop: { STATIC_DIR: DEMO_DPOP_DIR } }[
        demoMode
      ];
      const database = demoBackend === 'scale-out' ? await createTestDatabase() : undefined;
      const backend: Record<string, string> = database
        ? {
            DATABASE_URL: database.url,
            JWT_ALG: 'ES256',
            REDIS_URL: `redis://${REDIS.host}:${REDIS.port}`,
            REDIS_PREFIX: `atr-e2e:${randomBytes(6).toString('hex')}:`,
            WORKERS: '2',
          }
        : {};
      const seed = async (dataDir: string) =>
        seedUsers(database ? await PostgresStore.open(database.url) : SqliteStore.open(dataDir), serverUsers);
      const server = await startTokenServer({ LOG_LEVEL: 'warn', ...build, ...backend, ...serverEnv }, seed);
      try {
        await use(server.url);
      } finally {
        await server.stop();
        await database?.drop();
      }
    },
    { scope: 'worker', timeout: 30_000 },
  ],
  skipWithoutBackend: [
    async ({ backendAvailable }, use, testInfo) => {
      testInfo.skip(!backendAvailable, SCALE_OUT_SKIPPED);
      await use();
    },
    { auto: true },
  ],
  baseURL: async ({ serverUrl }, use) => use(serverUrl),
  network: async ({ page }, use) => use(new NetworkLog(page)),
});

export { expect };

async function toExchange(request: Request): Promise<Exchange | null> {
  const url = new URL(request.url());
  if (!/^\/(api|authorization)\//.test(url.pathname)) {
    return null;
  }
  const response = await request.response();
  return {
    method: request.method(),
    path: url.pathname + url.search,
    status: response?.status() ?? 0,
    authorization: (await request.allHeaders())['authorization'] ?? null,
    body: response ? await response.text().catch(() => null) : null,
  };
}

async function seedUsers(store: AuthStore, users: Record<string, string>): Promise<void> {
  try {
    for (const [userName, password] of Object.entries(users)) {
      await seedUser(store, new PasswordHasher(), { userName, password }, Date.now());
    }
  } finally {
    await store.close();
  }
}

/** Signs in through the login page (as the demo user unless told) and waits for the home page's resource. */
export async function signIn(page: Page, userName = 'demo', password = 'demo-password'): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('User name').fill(userName);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('resource')).toHaveText(`protected resources, username: ${userName}`);
}

/** The token pair the page's origin has stored (in IndexedDB, as the app keeps it), or `null` when signed out. */
export function storedTokens(page: Page): Promise<{ accessToken: string; refreshToken: string } | null> {
  return onTokenStore(page, false) as Promise<{ accessToken: string; refreshToken: string } | null>;
}

/** Stores `value` where the app keeps its token pair, as a corrupted or tampered entry would be. */
export async function writeStoredTokens(page: Page, value: unknown): Promise<void> {
  await onTokenStore(page, true, value);
}

function onTokenStore(page: Page, write: boolean, value?: unknown): Promise<unknown> {
  return page.evaluate(
    (args) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('angular-token-refresh.tokens', 1);
        open.onupgradeneeded = () => open.result.createObjectStore('tokens');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const store = db.transaction('tokens', args.write ? 'readwrite' : 'readonly').objectStore('tokens');
          const request = args.write ? store.put(args.value, 'current') : store.get('current');
          request.onsuccess = () => {
            db.close();
            resolve(request.result ?? null);
          };
          request.onerror = () => reject(request.error);
        };
      }),
    { write, value },
  );
}

/** `ApplicationRef.isStable` turns true within a few seconds (the app mirrors it on `<html data-stable>`). */
export async function expectStable(page: Page): Promise<void> {
  await expect(page.locator('html')).toHaveAttribute('data-stable', 'true', { timeout: 5_000 });
}
