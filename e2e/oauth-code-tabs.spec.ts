import { signInByRedirect, test } from './oauth/oauth-fixtures';
import { fiveBusyTabs } from './oauth/five-oauth-tabs';

// The same five tabs, after a sign-in by redirect: the code flow's tokens rotate as any other.
test.use({ accessTokenTtl: 4, appBuild: 'oauth-code' });

test('after a sign-in by redirect, five busy tabs over several token lifetimes never get invalid_grant', async ({ page, context }) => {
  test.setTimeout(60_000);
  await fiveBusyTabs(page, context, signInByRedirect);
});
