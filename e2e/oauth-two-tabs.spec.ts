import { expect, send, startSession, stats, test } from './oauth/oauth-fixtures';

// Short lifetimes against oidc-provider, so both tabs live through several rotations of one single-use refresh token.
test.use({ accessTokenTtl: 4 });

test('two busy tabs over several token lifetimes refresh one at a time and never get invalid_grant', async ({ page, context }) => {
  test.setTimeout(60_000);
  await startSession(page);
  const other = await context.newPage();
  await other.goto('/');
  await expect(other.getByRole('heading')).toHaveText('Signed in as ada');

  // 16 s, four lifetimes: each tab sends a burst of 1–4 requests every 300–900 ms.
  const deadline = Date.now() + 16_000;
  const sent = new Map([page, other].map((tab) => [tab, 0]));
  while (Date.now() < deadline) {
    for (const tab of [page, other]) {
      const count = 1 + Math.floor(Math.random() * 4);
      await send(tab, count, 0);
      sent.set(tab, sent.get(tab)! + count);
    }
    await page.waitForTimeout(300 + Math.random() * 600);
  }
  // Every request answered, in both tabs.
  for (const tab of [page, other]) {
    await expect(tab.getByTestId('result')).toHaveCount(sent.get(tab)!);
  }
  const results = [...(await page.getByTestId('result').allTextContents()), ...(await other.getByTestId('result').allTextContents())];
  const final = await stats(page);
  console.log(
    `two tabs, 16 s of 4-second tokens: ${results.length} requests, ${final.refresh.succeeded} refreshes, failures ${JSON.stringify(final.refresh.failed)}`,
  );

  expect(final.refresh.failed).toEqual({});
  expect(final.grantsRevoked).toBe(0);
  expect(final.refresh.succeeded).toBeGreaterThanOrEqual(3);
  expect(results.filter((status) => status !== '200')).toEqual([]);
  for (const tab of [page, other]) {
    await expect(tab).toHaveURL(/\/$/);
  }
});
