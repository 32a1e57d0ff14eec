import { expect, test, writeStoredTokens } from './fixtures';

const PAIR = { sessionId: 's1', userId: 'u1', userName: 'demo', accessToken: 'at-1', refreshToken: 'rt-1' };

test.describe('a stored entry the app cannot use', () => {
  const entries: readonly [string, unknown][] = [
    ['a string', '{"accessToken":'],
    ['a wrong shape', { tokens: [PAIR] }],
    ['a 100 kB access token', { ...PAIR, accessToken: 'a'.repeat(100_000) }],
    ['an access token with a non-ASCII character', { ...PAIR, accessToken: 'at-ü' }],
    ['a 3 MB refresh token', { ...PAIR, refreshToken: 'r'.repeat(3_000_000) }],
  ];
  for (const [name, entry] of entries) {
    test(`${name} lands cleanly on the login page, where signing in works`, async ({ page }) => {
      await page.goto('/login');
      await writeStoredTokens(page, entry);

      await page.goto('/');

      await expect(page).toHaveURL(/\/login\?returnUrl=%2F$/);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.getByTestId('resource')).toHaveText('protected resources, username: demo');
    });
  }
});
