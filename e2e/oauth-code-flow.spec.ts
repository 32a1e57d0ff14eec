import { join } from 'node:path';

import { spawnListening } from '../server/spawn-listening';
import { watchForLoginPage } from './login-watch';
import { API_AUDIENCE } from './oauth/api-audience';
import { breakAccessToken, expect, loginAtProvider, send, signInByRedirect, stats, storedTokens, test } from './oauth/oauth-fixtures';

// The consumer app built from the guide's sign-in snippet, against oidc-provider with PKCE required, rotating refresh
// tokens and its own login and consent pages.
test.use({ appBuild: 'oauth-code' });

test('signs in by redirect, lands on the return URL without a flash of /login, and exchanges the code once', async ({ page }) => {
  await page.request.post('/test/reset');
  const loginSeen = await watchForLoginPage(page);
  const callback = await signInByRedirect(page);

  expect(new URL(callback).searchParams.get('code')).toBeTruthy();
  await expect(page).toHaveURL(/\/$/);
  // The document the authorization server sent the browser back to never showed the login page, however briefly.
  expect(await loginSeen()).toEqual([]);
  expect((await stats(page)).tokenRequests).toEqual({ authorization_code: 1 });
  await send(page, 3, 0);
  await expect(page.getByTestId('served')).toHaveText('3 served');
  expect(await page.evaluate(() => Object.keys(sessionStorage).filter((key) => key.startsWith('angular-token-refresh.sign-in')))).toEqual(
    [],
  );
});

test('20 staggered 401s after a sign-in by redirect make exactly one refresh grant', async ({ page }) => {
  await signInByRedirect(page);
  await page.request.post('/test/reset');
  await breakAccessToken(page);

  await send(page, 20, 15);

  await expect(page.getByTestId('served')).toHaveText('20 served');
  expect(await stats(page)).toEqual(
    expect.objectContaining({ tokenRequests: { refresh_token: 1 }, refresh: { succeeded: 1, failed: {} } }),
  );
});

test('a sign-in by redirect signs in a sibling tab; sign-out revokes the grant, ends every tab, and confirms at the end-session endpoint', async ({
  page,
  context,
}) => {
  const other = await context.newPage();
  await other.goto('/');
  await expect(other).toHaveURL(/\/login/);
  await signInByRedirect(page);
  await other.goto('/');
  await expect(other.getByRole('heading')).toHaveText('Signed in as ada');
  await page.request.post('/test/reset');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(other).toHaveURL(/\/login\?returnUrl=%2F$/);
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();

  await expect(page).toHaveURL(/\/login\?returnUrl=%2F$/);
  const after = await stats(page);
  expect(after).toEqual(expect.objectContaining({ revocations: 1, endSessions: 1 }));
  // Revoking the refresh token revokes its grant; the confirmed logout revokes the client's grants of that session too.
  expect(after.grantsRevoked).toBeGreaterThan(0);
  expect(await storedTokens(page)).toBeNull();
});

test('a sign-in the user cancels shows access_denied on the login page and stores nothing', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Sign in with the identity provider' }).click();
  await page.getByRole('link', { name: /Cancel/ }).click();

  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('alert')).toHaveText('The sign-in was refused (access_denied: End-User aborted interaction)');
  expect(await storedTokens(page)).toBeNull();
});

test('a callback URL opened a second time, or with a forged state, is refused and stores nothing', async ({ page }) => {
  const callback = await signInByRedirect(page);
  await page.evaluate(() => indexedDB.deleteDatabase('angular-token-refresh.tokens'));

  for (const url of [callback, callback.replace(/state=[^&]+/, 'state=forged')]) {
    await page.goto(url);

    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByRole('alert')).toHaveText(/was not started in this tab, or was completed already/);
    expect(await storedTokens(page)).toBeNull();
  }
});

test('the access token works at an API on another origin that verifies it against the JWKS, and is refreshed for it', async ({
  page,
  oauth,
}) => {
  // A resource server of its own, knowing only the issuer's JWKS URL: no shared secret, no introspection.
  const api = await spawnListening(
    ['--import', 'tsx', join(__dirname, '../server/jwks-resource-server.ts')],
    {
      JWKS_URL: `${oauth.url}/oidc/jwks`,
      JWT_ISSUER: `${oauth.url}/oidc`,
      JWT_AUDIENCE: API_AUDIENCE,
      JWT_ALGS: 'RS256',
      CORS_ORIGIN: oauth.url,
    },
    join(__dirname, '..'),
  );
  try {
    await page.addInitScript((origin) => localStorage.setItem('consumer-app.api-origin', origin), api.url);
    await signInByRedirect(page);

    await page.getByRole('button', { name: 'Who am I' }).click();
    await expect(page.getByTestId('whoami')).toHaveText('the API says: ada');

    await page.request.post('/test/reset');
    await breakAccessToken(page);
    await page.getByRole('button', { name: 'Who am I' }).click();
    await expect(page.getByTestId('whoami')).toHaveText('the API says: ada');
    expect((await stats(page)).refresh).toEqual({ succeeded: 1, failed: {} });
  } finally {
    await api.stop();
  }
});

test('a reload that lost the verifier mid-login is refused and stores nothing', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Sign in with the identity provider' }).click();
  await expect(page.locator('input[name=login]')).toBeVisible();
  // The authorization server's page is on the app's origin here: its session storage is the one the app left.
  await page.evaluate(() => sessionStorage.clear());
  await loginAtProvider(page);

  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('alert')).toHaveText(/was not started in this tab, or was completed already/);
  expect(await storedTokens(page)).toBeNull();
});

for (const [claim, value] of [
  ['aud', 'another-app'],
  ['nonce', 'a-nonce-from-another-sign-in'],
] as const) {
  test(`an ID token with another ${claim} is refused and stores nothing`, async ({ page }) => {
    // A token answer altered on its way: the ID token's claims are checked, whatever its signature says.
    await page.route('**/oidc/token', async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      if (body.id_token) {
        const [header, payload, signature] = (body.id_token as string).split('.');
        const claims = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), [claim]: value };
        body.id_token = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
      }
      await route.fulfill({ response, json: body });
    });
    await page.goto('/');
    await page.getByRole('button', { name: 'Sign in with the identity provider' }).click();
    await loginAtProvider(page);

    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByRole('alert')).toHaveText("The authorization server's answer was refused; sign in again");
    expect(await storedTokens(page)).toBeNull();
  });
}

test('two tabs that each start a sign-in keep their own state, and both land signed in', async ({ page, context }) => {
  const other = await context.newPage();
  for (const tab of [page, other]) {
    await tab.goto('/');
    await tab.getByRole('button', { name: 'Sign in with the identity provider' }).click();
    await expect(tab.locator('input[name=login]')).toBeVisible();
  }
  for (const tab of [other, page]) {
    await loginAtProvider(tab);
    await expect(tab.getByRole('heading')).toHaveText('Signed in as ada');
  }
  await expect(page.getByRole('alert')).toHaveCount(0);
});
