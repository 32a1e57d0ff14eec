import { expect, signIn, test } from './fixtures';
import { RESOURCE, browse, recordRefreshes } from './tab-traffic';

const TABS = 5;
const BROWSE_MS = Number(process.env['E2E_BROWSE_MS'] ?? 32_000);

// 4-second access tokens and strict single use: every tab refreshes many times, and any reuse revokes the session.
test.use({ serverEnv: { ACCESS_TOKEN_TTL_SECONDS: '4', REFRESH_REUSE_WINDOW_SECONDS: '0' } });

test.describe('five tabs with 4-second access tokens and strict single use', () => {
  test.setTimeout(BROWSE_MS + 60_000);

  test('sending requests at random for 30 s never presents a spent refresh token', async ({ page, context }) => {
    const refreshes = recordRefreshes(context);
    await signIn(page);
    const tabs = [page];
    for (let i = 1; i < TABS; i++) {
      const tab = await context.newPage();
      await tab.goto('/');
      await expect(tab.getByTestId('resource')).toHaveText(RESOURCE);
      tabs.push(tab);
    }

    const until = Date.now() + BROWSE_MS;
    const tallies = await Promise.all(tabs.map((tab) => browse(tab, until)));

    const served = tallies.reduce((sum, tally) => sum + tally.served, 0);
    const made = refreshes.filter((status) => status === 200).length;
    const rejected = refreshes.filter((status) => status !== 200);
    const signedOut = tallies.filter((tally) => tally.signedOut).length;
    console.log(`five tabs: ${made} refreshes made, ${rejected.length} rejected, ${served} requests served, ${signedOut} tabs on /login`);
    expect(rejected).toEqual([]);
    expect(signedOut).toBe(0);
    expect(tallies.flatMap((tally) => tally.failed)).toEqual([]);
    // 4-second tokens over 30 s: the tabs refreshed again and again, and served a steady stream of requests.
    expect(made).toBeGreaterThanOrEqual(BROWSE_MS / 4_000);
    expect(served).toBeGreaterThan(TABS * 10);
  });
});
