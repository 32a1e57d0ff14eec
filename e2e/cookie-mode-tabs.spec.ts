import { expect, signIn, test } from './fixtures';
import { RESOURCE, browse, recordRefreshes } from './tab-traffic';

const BROWSE_MS = 15_000;

// Cookie mode (the Playwright project "cookie") with 3-second access tokens and strict single use: both tabs present the one cookie, so only the
// Web Lock keeps them from presenting it twice, and any reuse revokes the session.
test.use({ serverEnv: { ACCESS_TOKEN_TTL_SECONDS: '3', REFRESH_REUSE_WINDOW_SECONDS: '0' } });

test('two busy tabs over five 3-second lifetimes: no refresh rejected, neither signs out; a third tab gets the token from them', async ({
  page,
  context,
}) => {
  test.setTimeout(BROWSE_MS + 60_000);
  const refreshes = recordRefreshes(context);
  await signIn(page);
  const second = await context.newPage();
  await second.goto('/');
  await expect(second.getByTestId('resource')).toHaveText(RESOURCE);

  const until = Date.now() + BROWSE_MS;
  const tallies = await Promise.all([browse(page, until), browse(second, until)]);

  console.log(
    `cookie mode, two tabs, ${BROWSE_MS / 1000} s of 3-second tokens: ${refreshes.length} refreshes, statuses ${[...new Set(refreshes)]}`,
  );
  expect(refreshes.filter((status) => status !== 200)).toEqual([]);
  expect(refreshes.length).toBeGreaterThanOrEqual(4);
  for (const tally of tallies) {
    expect(tally.failed).toEqual([]);
    expect(tally.signedOut).toBe(false);
    expect(tally.served).toBeGreaterThan(0);
  }

  // A tab opened now asks its siblings for the access token and needs no refresh of its own to show the resource.
  const third = await context.newPage();
  const thirdCalls: string[] = [];
  third.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith('/api/') || path.startsWith('/authorization/')) thirdCalls.push(path);
  });
  await third.goto('/');
  await expect(third.getByTestId('resource')).toHaveText(RESOURCE);
  expect(thirdCalls[0]).toBe('/api/resources');
  await expect(third).toHaveURL(/\/$/);
});
