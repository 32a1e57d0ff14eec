import { test as base, expect, Page, Request } from '@playwright/test';

import { PasswordHasher } from '../server/auth/password-hasher';
import { seedUser } from '../server/auth/seed-user';
import { SqliteStore } from '../server/store/sqlite-store';
import { startTokenServer } from '../server/start-token-server';
import { DEMO_COOKIE_DIR } from './build-app';

/** One HTTP exchange the page made, as the browser saw it. */
export interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly authorization: string | null;
  readonly body: string | null;
}

/** How the demo under test keeps the refresh token: its default build, or the cookie build (withRefreshTokenCookie). */
export type DemoMode = 'stored' | 'cookie';

interface WorkerFixtures {
  /** Which build of the demo the token server serves; a project option, so one spec file can run in both modes. */
  demoMode: DemoMode;
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
}

/** Playwright's `test`, with a real token server per worker and a network recorder per page. */
export const test = base.extend<TestFixtures, WorkerFixtures>({
  demoMode: ['stored', { scope: 'worker', option: true }],
  serverEnv: [{}, { scope: 'worker', option: true }],
  serverUsers: [{}, { scope: 'worker', option: true }],
  serverUrl: [
    async ({ demoMode, serverEnv, serverUsers }, use) => {
      const build: Record<string, string> = demoMode === 'cookie' ? { STATIC_DIR: DEMO_COOKIE_DIR } : {};
      const server = await startTokenServer({ LOG_LEVEL: 'warn', ...build, ...serverEnv }, (dataDir) => seedUsers(dataDir, serverUsers));
      try {
        await use(server.url);
      } finally {
        await server.stop();
      }
    },
    { scope: 'worker', timeout: 30_000 },
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

async function seedUsers(dataDir: string, users: Record<string, string>): Promise<void> {
  const store = SqliteStore.open(dataDir);
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
