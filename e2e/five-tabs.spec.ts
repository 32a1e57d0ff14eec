import { test } from './fixtures';
import { BROWSE_MS, browseFiveTabs } from './tab-traffic';

// 4-second access tokens and strict single use: every tab refreshes many times, and any reuse revokes the session.
test.use({ serverEnv: { ACCESS_TOKEN_TTL_SECONDS: '4', REFRESH_REUSE_WINDOW_SECONDS: '0' } });

test.describe('five tabs with 4-second access tokens and strict single use', () => {
  test.setTimeout(BROWSE_MS + 60_000);

  test('sending requests at random for 30 s never presents a spent refresh token', async ({ page, context }) => {
    await browseFiveTabs(page, context, 'with Web Locks');
  });
});
