import { join } from 'node:path';

import { CONSUMER_BUILDS } from './consumer-app';
import { expect, storedTokens, test, writeStoredTokens } from './fixtures';

// The packed tarball, installed with npm into a separate app configured from the README's install snippet, and
// served by the token server like any static build.
test.use({ serverEnv: { STATIC_DIR: join(CONSUMER_BUILDS.plain, 'browser') } });

test('the installed package turns 3 × 401 into 1 refresh and 3 × 200 in a separate app', async ({ page, network }) => {
  // Errors the app threw or logged; the browser's own "Failed to load resource" lines (the 401s) are expected.
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on(
    'console',
    (message) => message.type() === 'error' && !message.text().startsWith('Failed to load resource') && errors.push(message.text()),
  );

  await page.goto('/');
  await expect(page).toHaveURL(/\/login\?returnUrl=%2F$/);
  await page.getByLabel('User name').fill('demo');
  await page.getByLabel('Password').fill('demo-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading')).toHaveText('Signed in as demo');

  const stored = await storedTokens(page);
  await writeStoredTokens(page, { ...stored, accessToken: 'not-a-valid-token' });
  await page.reload();
  await expect(page.getByRole('heading')).toHaveText('Signed in as demo');
  network.clear();

  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByTestId('served')).toHaveText('3 served');

  const exchanges = (await network.exchanges()).map(({ method, path, status }) => `${method} ${path.replace(/\?.*/, '')} ${status}`);
  expect(exchanges.filter((line) => line.includes('/api/')).sort()).toEqual([
    ...Array(3).fill('GET /api/resources 200'),
    ...Array(3).fill('GET /api/resources 401'),
  ]);
  expect(exchanges.filter((line) => line.includes('/authorization/'))).toEqual(['POST /authorization/refresh 200']);
  // Every 200 came after the one refresh (in completion order; a 401 may finish after the refresh it joined).
  const order = exchanges.map((line) => (line.includes('refresh') ? 'R' : line.endsWith('401') ? '4' : '2')).join('');
  expect(order).toMatch(/^[4R]{4}222$/);
  expect((await storedTokens(page))?.refreshToken).not.toBe(stored?.refreshToken);
  expect(errors).toEqual([]);
});
