import { fiveBusyTabs } from './oauth/five-oauth-tabs';
import { expect, signInByRedirect, test } from './oauth/oauth-fixtures';

// The five busy tabs, signed in by redirect with withDPoP() on zone.js: every refresh carries a proof of the one key
// the tabs share, with the nonce oidc-provider requires, and the bound refresh token rotates as any other.
test.use({ appBuild: 'oauth-code-dpop', accessTokenTtl: 4 });

test('with DPoP, five busy tabs over several token lifetimes never get invalid_grant', async ({ page, context }) => {
  test.setTimeout(60_000);
  const { refresh, dpop } = await fiveBusyTabs(page, context, signInByRedirect);

  // Every refresh carried a proof: once, or twice when oidc-provider asked for a newer nonce.
  expect(dpop.proofs).toBe(refresh.succeeded + dpop.nonceChallenges);
});
