import { BrowserContext, Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { NetworkLog, expect, signIn, storedTokens, test } from './fixtures';

const RESOURCE = 'protected resources, username: demo';

test.use({ serverUsers: { alice: 'alice-password' } });

/** Counts `POST /authorization/refresh` calls from every page of the context. */
function countRefreshes(context: BrowserContext): () => number {
  let count = 0;
  context.on('request', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname === '/authorization/refresh') {
      count++;
    }
  });
  return () => count;
}

async function expectAllSucceeded(page: Page, n: number): Promise<void> {
  const items = page.getByRole('list', { name: 'Responses' }).getByRole('listitem');
  await expect(items.filter({ hasText: RESOURCE })).toHaveCount(n);
}

test.describe('two tabs of one browser', () => {
  test('expired tokens in both tabs cost exactly one refresh between them', async ({ page, context }) => {
    const refreshes = countRefreshes(context);
    // A slow refresh keeps the first tab's refresh in flight while the second tab's 401s arrive.
    await context.route('**/authorization/refresh', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 700));
      await route.continue();
    });
    await signIn(page);
    const other = await context.newPage();
    await other.goto('/');
    await expect(other.getByTestId('resource')).toHaveText(RESOURCE);

    await page.getByRole('button', { name: 'Break access token' }).click();
    await other.getByRole('button', { name: 'Break access token' }).click();
    await page.getByLabel('Requests').fill('5');
    await other.getByLabel('Requests').fill('5');
    await Promise.all([
      page.getByRole('button', { name: 'Send 5 requests' }).click(),
      other.getByRole('button', { name: 'Send 5 requests' }).click(),
    ]);

    await expectAllSucceeded(page, 5);
    await expectAllSucceeded(other, 5);
    expect(refreshes()).toBe(1);
    await expect(page).toHaveURL(/\/$/);
    await expect(other).toHaveURL(/\/$/);
    mkdirSync(join(__dirname, 'artifacts'), { recursive: true });
    await other.screenshot({ path: join(__dirname, 'artifacts/second-tab.png'), fullPage: true });
  });

  test('signing out in one tab takes the other to the login page', async ({ page, context }) => {
    await signIn(page);
    const other = await context.newPage();
    await other.goto('/');
    await expect(other.getByTestId('resource')).toHaveText(RESOURCE);

    await page.getByRole('button', { name: 'Sign out' }).click();

    await expect(other).toHaveURL(/\/login/);
    await expect(other.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  });

  test('signing in in one tab signs in the other', async ({ page, context }) => {
    const other = await context.newPage();
    await other.goto('/');
    await expect(other).toHaveURL(/\/login/);

    await signIn(page);

    await expect(other.getByTestId('resource')).toHaveText(RESOURCE);
  });

  test("a tab paused mid-refresh while the other tab switches user sends none of its requests with the new user's token", async ({
    page,
    context,
  }) => {
    const network = new NetworkLog(page);
    let releaseRefresh: () => void = () => undefined;
    const refreshHeld = new Promise<void>((held) => {
      void page.route('**/authorization/refresh', async (route) => {
        held();
        await new Promise<void>((release) => (releaseRefresh = release));
        await route.continue();
      });
    });
    await signIn(page);
    const other = await context.newPage();
    await other.goto('/');
    await expect(other.getByTestId('resource')).toHaveText(RESOURCE);
    const demoToken = (await storedTokens(page))!.accessToken;

    await page.getByRole('button', { name: 'Break access token' }).click();
    await page.getByLabel('Requests').fill('5');
    await page.getByRole('button', { name: 'Send 5 requests' }).click();
    await refreshHeld;
    // Pause the first tab's JavaScript, as a debugger or a frozen background tab would: it hears nothing meanwhile.
    const debuggerSession = await context.newCDPSession(page);
    await debuggerSession.send('Debugger.enable');
    await debuggerSession.send('Debugger.pause');
    await other.getByRole('button', { name: 'Sign out' }).click();
    await signIn(other, 'alice', 'alice-password');
    const aliceToken = (await storedTokens(other))!.accessToken;
    releaseRefresh();
    await debuggerSession.send('Debugger.resume');

    // The first tab's session ended: it follows the new one, and what it shows belongs to alice throughout.
    await expect(page.getByRole('heading', { name: 'Signed in as alice' })).toBeVisible();
    await expect(page.getByTestId('resource')).toHaveText('protected resources, username: alice');
    await expect(page.getByRole('list', { name: 'Auth events' })).toContainText('signed out (other-tab)');
    const sent = (await network.exchanges()).filter((e) => e.path.startsWith('/api/resources'));
    const withAlice = sent.filter((e) => e.authorization === `Bearer ${aliceToken}`);
    // Only the home page's own load after the switch carries alice's token; demo's five requests are never retried.
    expect(withAlice.length).toBe(1);
    expect(sent.filter((e) => e.authorization === 'Bearer broken-access-token').length).toBe(5);
    expect(sent.filter((e) => e.authorization !== `Bearer ${aliceToken}` && e.status === 200).map((e) => e.authorization)).toEqual([
      `Bearer ${demoToken}`,
    ]);
    // Alice's session survived the first tab's stale refresh.
    await other.getByRole('button', { name: 'Send 3 requests' }).click();
    await expect(other.getByRole('list', { name: 'Responses' }).getByRole('listitem').filter({ hasText: 'username: alice' })).toHaveCount(
      3,
    );
    await expect(other).toHaveURL(/\/$/);
    await page.screenshot({ path: join(__dirname, 'artifacts/paused-tab-after-user-switch.png'), fullPage: true });
  });
});
