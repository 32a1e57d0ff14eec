import { breakAccessToken, expect, send, startSession, stats, storedTokens, test } from './oauth/oauth-fixtures';

test('20 staggered 401s make exactly one refresh at the token endpoint, and all 20 are served', async ({ page }) => {
  await startSession(page);
  const before = await storedTokens(page);
  await breakAccessToken(page);

  await send(page, 20, 15);
  await expect(page.getByTestId('served')).toHaveText('20 served');

  await expect(page.getByTestId('result')).toHaveText(Array(20).fill('200'));
  expect(await stats(page)).toEqual({
    tokenRequests: { refresh_token: 1 },
    refresh: { succeeded: 1, failed: {} },
    grantsRevoked: 0,
    revocations: 0,
    endSessions: 0,
    // A client without withDPoP() sends no proofs, and oidc-provider with DPoP on asks it for none.
    dpop: { proofs: 0, nonceChallenges: 0 },
  });
  expect((await storedTokens(page))?.refreshToken).not.toBe(before?.refreshToken);
});

test('a planted stale refresh token causes one sign-out and no loop', async ({ page }) => {
  await startSession(page);
  const spent = (await storedTokens(page))!.refreshToken;
  await breakAccessToken(page);
  await send(page, 1, 0);
  await expect(page.getByTestId('served')).toHaveText('1 served');
  await page.request.post('/test/reset');

  // The refresh token this tab already spent comes back: oidc-provider sees reuse and revokes the grant.
  await breakAccessToken(page, spent);
  await send(page, 3, 0);
  await expect(page).toHaveURL(/\/login\?returnUrl=%2F$/);
  await page.waitForTimeout(2_000);

  expect(await stats(page)).toEqual({
    tokenRequests: { refresh_token: 1 },
    refresh: { succeeded: 0, failed: { invalid_grant: 1 } },
    grantsRevoked: 1,
    revocations: 0,
    endSessions: 0,
    dpop: { proofs: 0, nonceChallenges: 0 },
  });
  expect(await storedTokens(page)).toBeNull();
  await expect(page).toHaveURL(/\/login/);
});
