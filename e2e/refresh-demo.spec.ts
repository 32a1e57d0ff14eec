import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { Page } from '@playwright/test';

import { NetworkLog, expect, signIn, storedTokens, test } from './fixtures';

const RESOURCE = 'protected resources, username: demo';

async function summarize(log: NetworkLog) {
  const network = await log.exchanges();
  const resources = network.filter((e) => e.path.startsWith('/api/resources'));
  return {
    unauthorized: resources.filter((e) => e.status === 401),
    ok: resources.filter((e) => e.status === 200),
    refreshes: network.filter((e) => e.method === 'POST' && e.path === '/authorization/refresh'),
  };
}

async function sendRequests(page: Page, n: number, latency: 'none' | 'staggered' = 'none') {
  await page.getByLabel('Requests').fill(String(n));
  await page.getByLabel('Server latency').selectOption(latency);
  await page.getByRole('button', { name: `Send ${n} requests` }).click();
  const items = page.getByRole('list', { name: 'Responses' }).getByRole('listitem');
  await expect(items).toHaveCount(n);
  await expect(items.filter({ hasText: RESOURCE })).toHaveCount(n);
}

test.describe('the refresh demo', () => {
  test('signing in shows the protected resource', async ({ page }) => {
    await signIn(page);

    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole('heading', { name: 'Signed in as demo' })).toBeVisible();
  });

  test('three requests with a broken token cost three 401s, one refresh and three retries', async ({ page, network, demoMode }) => {
    await signIn(page);
    await page.getByRole('button', { name: 'Break access token' }).click();
    network.clear();

    await sendRequests(page, 3);

    const { unauthorized, ok, refreshes } = await summarize(network);
    expect(unauthorized).toHaveLength(3);
    unauthorized.forEach((e) => expect(e.authorization).toBe('Bearer broken-access-token'));
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0].status).toBe(200);
    expect(ok).toHaveLength(3);
    // Every retry carries the one new token. (Its body is not always readable: Chromium may drop a fetch response's
    // buffer before the test asks for it, so the token is checked against storage, where there is one.)
    const retried = [...new Set(ok.map((e) => e.authorization))];
    expect(retried).toHaveLength(1);
    expect(retried[0]).not.toBe('Bearer broken-access-token');
    // Stored with the pair, or (cookie mode) kept in memory only.
    const stored = (await storedTokens(page))?.accessToken;
    expect(stored === undefined ? undefined : `Bearer ${stored}`).toBe(demoMode === 'cookie' ? undefined : retried[0]);
    await expect(page.getByTestId('story')).toHaveText('3 × 401 → 1 refresh → 3 × 200');

    mkdirSync(join(__dirname, 'artifacts'), { recursive: true });
    await page.screenshot({ path: join(__dirname, 'artifacts/home-after-refresh.png'), fullPage: true });
  });

  test('twenty staggered requests still share exactly one refresh', async ({ page, network }) => {
    await signIn(page);
    await page.getByRole('button', { name: 'Break access token' }).click();
    network.clear();

    await sendRequests(page, 20, 'staggered');

    const { unauthorized, ok, refreshes } = await summarize(network);
    expect(refreshes).toHaveLength(1);
    expect(unauthorized).toHaveLength(20);
    expect(ok).toHaveLength(20);
    mkdirSync(join(__dirname, 'artifacts'), { recursive: true });
    await page.screenshot({ path: join(__dirname, 'artifacts/home-staggered.png'), fullPage: true });
  });

  test('a session revoked on the server sends the user to login once, and signing in returns home', async ({ page, demoMode }) => {
    await signIn(page);
    const tokens = await storedTokens(page);
    // With the token from storage, or (cookie mode) with the browser's cookie, as the app's own pages send it.
    const cookieMode = { headers: { 'Refresh-Token-Transport': 'cookie', 'Sec-Fetch-Site': 'same-origin' }, data: {} };
    const logout = await page.request.post(
      '/authorization/logout',
      demoMode === 'cookie' ? cookieMode : { data: { refreshToken: tokens?.refreshToken } },
    );
    expect(logout.status()).toBe(204);
    const loginVisits: string[] = [];
    page.on('framenavigated', (frame) => frame === page.mainFrame() && frame.url().includes('/login') && loginVisits.push(frame.url()));

    await page.getByRole('button', { name: 'Break access token' }).click();
    await page.getByRole('button', { name: 'Send 3 requests' }).click();

    await expect(page).toHaveURL(/\/login\?returnUrl=%2F$/);
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    expect(loginVisits).toHaveLength(1);
    expect(await storedTokens(page)).toBeNull();

    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('resource')).toHaveText(RESOURCE);
    await expect(page).toHaveURL(/\/$/);
  });

  test('a wrong password shows the error and stays on the login page', async ({ page }) => {
    await page.goto('/login');

    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();

    await expect(page.getByRole('alert')).toHaveText('Wrong user name or password.');
    await expect(page).toHaveURL(/\/login$/);
  });

  test('reloading home keeps the session', async ({ page }) => {
    await signIn(page);

    await page.reload();

    await expect(page.getByTestId('resource')).toHaveText(RESOURCE);
    await expect(page).toHaveURL(/\/$/);
  });

  test('going home signed out redirects to login', async ({ page }) => {
    await page.goto('/');

    await expect(page).toHaveURL(/\/login\?returnUrl=%2F$/);
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  });
});
