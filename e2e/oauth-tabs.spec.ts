import { startSession, test } from './oauth/oauth-fixtures';
import { fiveBusyTabs } from './oauth/five-oauth-tabs';

// Short lifetimes against oidc-provider, so every tab lives through several rotations of one single-use refresh token.
test.use({ accessTokenTtl: 4 });

test('five busy tabs over several token lifetimes refresh one at a time and never get invalid_grant', async ({ page, context }) => {
  test.setTimeout(60_000);
  await fiveBusyTabs(page, context, startSession);
});
