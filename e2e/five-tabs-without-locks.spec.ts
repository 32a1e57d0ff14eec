import { expect, test } from './fixtures';
import { BROWSE_MS, browseFiveTabs } from './tab-traffic';

// Plain http:// on a host other than localhost, and old browsers, have no Web Locks: a lease in IndexedDB stands in.
test.use({ serverEnv: { ACCESS_TOKEN_TTL_SECONDS: '4', REFRESH_REUSE_WINDOW_SECONDS: '0' } });

test.describe('five tabs without Web Locks (navigator.locks removed), 4-second access tokens and strict single use', () => {
  test.setTimeout(BROWSE_MS + 60_000);

  test('sending requests at random for 30 s never presents a spent refresh token', async ({ page, context }) => {
    await context.addInitScript(() => delete (Navigator.prototype as { locks?: unknown }).locks);

    await browseFiveTabs(page, context, 'without Web Locks');

    expect(await page.evaluate(() => 'locks' in navigator)).toBe(false);
  });
});
