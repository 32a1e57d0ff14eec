import { expectStable } from './fixtures';
import { breakAccessToken, expect, send, signInByRedirect, stats, test } from './oauth/oauth-fixtures';

// The sign-in snippet on zone.js: the redirect is completed, the page shows every answer, and the app becomes stable.
test.use({ appBuild: 'oauth-code-zone' });

test('on zone.js, signs in by redirect, shows 20 answers after one refresh, and is stable when idle', async ({ page }) => {
  await signInByRedirect(page);
  await expect(page.locator('html')).toHaveAttribute('data-zone', 'true');
  await expectStable(page);
  await page.request.post('/test/reset');
  await breakAccessToken(page);

  await send(page, 20, 15);

  await expect(page.getByTestId('served')).toHaveText('20 served');
  expect((await stats(page)).refresh).toEqual({ succeeded: 1, failed: {} });
  await expectStable(page);
});
