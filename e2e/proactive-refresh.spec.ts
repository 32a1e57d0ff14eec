import { expect, signIn, test } from './fixtures';

// A server whose access tokens live 4 seconds, so a short idle outlasts one.
test.use({ serverEnv: { ACCESS_TOKEN_TTL_SECONDS: '4' } });

test.describe('with 4-second access tokens', () => {
  test('a page left idle past expiry sends requests without a single 401', async ({ page, network }) => {
    await signIn(page);

    await page.waitForTimeout(6_000);
    network.clear();
    await page.getByRole('button', { name: 'Send 3 requests' }).click();
    await expect(
      page.getByRole('list', { name: 'Responses' }).getByRole('listitem').filter({ hasText: 'protected resources, username: demo' }),
    ).toHaveCount(3);

    const exchanges = await network.exchanges();
    expect(exchanges.filter((e) => e.status === 401)).toEqual([]);
    await expect(page.getByRole('list', { name: 'Auth events' })).toContainText('refresh started ahead of expiry');
  });
});
