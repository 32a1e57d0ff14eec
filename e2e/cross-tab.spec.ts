import { BrowserContext, Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { expect, signIn, test } from './fixtures';

const RESOURCE = 'protected resources, username: demo';

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
});
