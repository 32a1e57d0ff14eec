import { expect, storedTokens, test } from './fixtures';
import { reloadWhileRefreshHeld, startHoldingProxy } from './holding-proxy';

// The default build (tokens in IndexedDB), strict single use (no reuse window). Cookie mode has its own such test.

test('a reload after the server rotated, but before its answer arrived, keeps the session with one rotation', async ({
  page,
  context,
  serverUrl,
}) => {
  // A proxy in front of the server holds refresh answers for 2 s once the server has rotated, as a slow network would.
  const proxy = await startHoldingProxy(serverUrl);
  try {
    await page.goto(`${proxy.origin}/login`);
    await page.getByLabel('User name').fill('demo');
    await page.getByLabel('Password').fill('demo-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('resource')).toHaveText('protected resources, username: demo');
    const signedIn = await storedTokens(page);
    const refreshes: number[] = [];
    context.on(
      'response',
      (response) => new URL(response.url()).pathname === '/authorization/refresh' && refreshes.push(response.status()),
    );

    await reloadWhileRefreshHeld(page, proxy);

    await expect(page.getByTestId('resource')).toHaveText('protected resources, username: demo', { timeout: 15_000 });
    await page.getByRole('button', { name: 'Send 3 requests' }).click();
    await expect(page.getByRole('listitem').filter({ hasText: '200' })).toHaveCount(3);
    expect(refreshes.filter((status) => status !== 200)).toEqual([]);
    await expect(page).toHaveURL(`${proxy.origin}/`);
    // One rotation: the refresh asked for again got the rotation the server had made (counter 1), not a second one.
    const [sessionId, counter] = (await storedTokens(page))!.refreshToken.split('.');
    expect([sessionId, counter]).toEqual([signedIn!.refreshToken.split('.')[0], '1']);
  } finally {
    await proxy.close();
  }
});
