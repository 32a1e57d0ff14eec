import { BrowserContext, Page } from '@playwright/test';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { expect, signIn, test } from './fixtures';
import { reloadWhileRefreshHeld, startHoldingProxy } from './holding-proxy';

// The demo built with withRefreshTokenCookie() (the Playwright project "cookie"), served by the real token server.

const COOKIE = '__Secure-refresh-token';

/** Everything the page's own scripts can read from localStorage, sessionStorage, IndexedDB and document.cookie. */
function scriptReachableState(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const dump: unknown[] = [{ ...localStorage }, { ...sessionStorage }, document.cookie];
    for (const { name } of await indexedDB.databases()) {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open(name!);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      for (const storeName of Array.from(db.objectStoreNames)) {
        const all = db.transaction(storeName).objectStore(storeName).getAll();
        dump.push(await new Promise((resolve) => (all.onsuccess = () => resolve(all.result))));
      }
      db.close();
    }
    return JSON.stringify(dump);
  });
}

async function refreshCookie(page: Page): Promise<string | undefined> {
  return (await page.context().cookies()).find((cookie) => cookie.name === COOKIE)?.value;
}

test('the demo in cookie mode: three requests with a broken token cost three 401s, one refresh and three retries', async ({
  page,
  network,
}) => {
  await signIn(page);
  await expect(page.getByTestId('mode')).toContainText('Cookie mode');
  await page.getByRole('button', { name: 'Break access token' }).click();
  network.clear();

  await page.getByRole('button', { name: 'Send 3 requests' }).click();
  await expect(page.getByTestId('story')).toHaveText('3 × 401 → 1 refresh → 3 × 200');
  const refreshes = (await network.exchanges()).filter((exchange) => exchange.path === '/authorization/refresh');
  expect(refreshes.map(({ status }) => status)).toEqual([200]);
});

test('after sign-in no token is in localStorage, sessionStorage, IndexedDB or document.cookie, and no script can get the refresh token', async ({
  page,
  network,
}) => {
  await signIn(page);
  // The token as the app sends it (a fetch response's body is not always readable afterwards).
  const resourceCall = (await network.exchanges()).find((exchange) => exchange.path === '/api/resources' && exchange.status === 200);
  const accessToken = resourceCall?.authorization?.replace(/^Bearer /, '');
  const refreshToken = await refreshCookie(page);
  expect(accessToken).toBeTruthy();
  expect(refreshToken).toBeTruthy();

  const reachable = await scriptReachableState(page);
  expect(reachable).not.toContain(accessToken!);
  expect(reachable).not.toContain(refreshToken!);
  expect(await page.evaluate(() => document.cookie)).toBe('');

  // A script that calls the refresh endpoint itself gets an access token, never the refresh token.
  const seen = await page.evaluate(async () => {
    const answer = await fetch('/authorization/refresh', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Refresh-Token-Transport': 'cookie' },
      body: '{}',
    });
    return { status: answer.status, body: await answer.text(), setCookie: answer.headers.get('set-cookie'), cookie: document.cookie };
  });
  expect(seen.status).toBe(200);
  expect(seen.setCookie).toBeNull();
  expect(seen.cookie).toBe('');
  expect(seen.body).not.toContain(await refreshCookie(page));
  expect(JSON.parse(seen.body).refreshToken).toBeUndefined();
});

test.describe('a page on another localhost port', () => {
  let other: Server;
  let otherUrl: string;

  test.beforeAll(async () => {
    other = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>other app</title>'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  });

  test.afterAll(() => new Promise<void>((resolve) => other.close(() => resolve())));

  test('cannot refresh or log out: forms and credentialed fetches, with and without the header, are refused and change nothing', async ({
    page,
    context,
    serverUrl,
  }) => {
    await signIn(page);
    const before = await refreshCookie(page);
    const attacker = await context.newPage();
    await attacker.goto(otherUrl);

    const outcomes = await attacker.evaluate(async (server) => {
      const results: Record<string, string> = {};
      for (const path of ['/authorization/refresh', '/authorization/logout']) {
        const url = server + path;
        // helmet's Cross-Origin-Resource-Policy makes even the opaque answer a network error.
        results[`${path} no-cors fetch`] = await fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include', body: '{}' }).then(
          (answer) => answer.type,
          () => 'blocked',
        );
        results[`${path} fetch with the header`] = await fetch(url, {
          method: 'POST',
          credentials: 'include',
          headers: { 'Content-Type': 'application/json', 'Refresh-Token-Transport': 'cookie' },
          body: '{}',
        }).then(
          (answer) => String(answer.status),
          () => 'blocked',
        );
        results[`${path} fetch without the header`] = await fetch(url, { method: 'POST', credentials: 'include', body: '{}' }).then(
          (answer) => String(answer.status),
          () => 'blocked',
        );
      }
      return results;
    }, serverUrl);
    // Opaque or blocked to the page; on the server every one of them got a 403 or never arrived.
    expect(Object.values(outcomes).every((outcome) => ['opaque', 'blocked'].includes(outcome))).toBe(true);

    for (const path of ['/authorization/refresh', '/authorization/logout']) {
      const form = await attacker.evaluate(
        ({ server, target }) => {
          const element = document.createElement('form');
          element.method = 'POST';
          element.action = server + target;
          document.body.append(element);
          element.submit();
        },
        { server: serverUrl, target: path },
      );
      void form;
      await attacker.waitForLoadState();
      await expect(attacker.locator('body')).toContainText('forbidden');
      await attacker.goto(otherUrl);
    }

    // Nothing was rotated, revoked or logged out: the same cookie still refreshes the session.
    expect(await refreshCookie(page)).toBe(before);
    await page.getByRole('button', { name: 'Break access token' }).click();
    await page.getByRole('button', { name: 'Send 3 requests' }).click();
    await expect(page.getByTestId('story')).toHaveText('3 × 401 → 1 refresh → 3 × 200');
  });
});

test('signing out in one tab signs out every tab and clears the cookie', async ({ page, context }) => {
  await signIn(page);
  const other = await context.newPage();
  await other.goto('/');
  await expect(other.getByTestId('resource')).toHaveText('protected resources, username: demo');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(other).toHaveURL(/\/login/);
  await expect.poll(() => refreshCookie(page)).toBeUndefined();
});

test('reloading a guarded page makes one refresh and never visits /login', async ({ page, network }) => {
  await signIn(page);
  const visited: string[] = [];
  page.on('framenavigated', (frame) => frame === page.mainFrame() && visited.push(new URL(frame.url()).pathname));
  network.clear();

  await page.reload();
  await expect(page.getByTestId('resource')).toHaveText('protected resources, username: demo');

  const exchanges = await network.exchanges();
  expect(exchanges.filter((exchange) => exchange.path === '/authorization/refresh').map(({ status }) => status)).toEqual([200]);
  expect(exchanges.filter((exchange) => exchange.status === 401)).toEqual([]);
  expect(visited.filter((path) => path === '/login')).toEqual([]);
});

test('reloading while a refresh crawls over a slow network keeps the session and lands on the guarded page', async ({ page, context }) => {
  await signIn(page);
  const before = await refreshCookie(page);
  const refreshes = recordStatuses(context, '/authorization/refresh');
  // 1.5 s of added latency on every exchange, so the reload comes while the refresh is on its way. (This passes
  // with keepalive off too: the reload cancels the refresh before the server sees it, so it proves the reload is
  // safe, not what keepalive adds; a refresh the server answered but whose answer is still in flight is not covered.)
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 1_500, downloadThroughput: -1, uploadThroughput: -1 });

  // Listening before the clicks: the refresh may leave before a click returns.
  const refreshSent = page.waitForRequest((request) => new URL(request.url()).pathname === '/authorization/refresh');
  await page.getByRole('button', { name: 'Break access token' }).click();
  await page.getByRole('button', { name: 'Send 3 requests' }).click();
  await refreshSent;
  await page.reload();
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

  await expect(page.getByTestId('resource')).toHaveText('protected resources, username: demo', { timeout: 20_000 });
  await expect(page).toHaveURL(/\/$/);
  expect(await refreshCookie(page)).not.toBe(before);
  expect(refreshes.filter((status) => status !== 200)).toEqual([]);
});

/** The statuses of every response for `path` in the context, as they arrive. */
function recordStatuses(context: BrowserContext, path: string): number[] {
  const statuses: number[] = [];
  context.on('response', (response) => new URL(response.url()).pathname === path && statuses.push(response.status()));
  return statuses;
}

test('a reload after the server rotated, but before its answer arrived, keeps the session: the refresh is asked for again', async ({
  page,
  context,
  serverUrl,
}) => {
  // A proxy in front of the server holds refresh answers for 2 s once the server has rotated, as a slow network would.
  const proxy = await startHoldingProxy(serverUrl);
  const origin = proxy.origin;
  try {
    await page.goto(`${origin}/login`);
    await page.getByLabel('User name').fill('demo');
    await page.getByLabel('Password').fill('demo-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('resource')).toHaveText('protected resources, username: demo');
    const refreshes = recordStatuses(context, '/authorization/refresh');

    await reloadWhileRefreshHeld(page, proxy);

    await expect(page.getByTestId('resource')).toHaveText('protected resources, username: demo', { timeout: 15_000 });
    await expect(page).toHaveURL(`${origin}/`);
    await page.waitForTimeout(2_500);
    expect(refreshes.filter((status) => status !== 200)).toEqual([]);
    await expect(page).toHaveURL(`${origin}/`);
  } finally {
    await proxy.close();
  }
});
