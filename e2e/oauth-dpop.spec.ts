import { join } from 'node:path';

import { newProofKey } from '../server/dpop-proof-key';
import { ListeningProcess, spawnListening } from '../server/spawn-listening';
import { expectStable } from './fixtures';
import { API_AUDIENCE } from './oauth/api-audience';
import { breakAccessToken, expect, send, signInByRedirect, stats, storedTokens, test } from './oauth/oauth-fixtures';

// The sign-in snippet with withDPoP(), on zone.js, against oidc-provider with DPoP nonces required of every proof, and
// a resource server on another origin that takes the bound tokens only with proofs of their key, with nonces of its own.
test.use({ appBuild: 'oauth-code-dpop' });

let api: ListeningProcess;

test.beforeEach(async ({ page, oauth }) => {
  api = await spawnListening(
    ['--import', 'tsx', join(__dirname, '../server/jwks-resource-server.ts')],
    {
      JWKS_URL: `${oauth.url}/oidc/jwks`,
      JWT_ISSUER: `${oauth.url}/oidc`,
      JWT_AUDIENCE: API_AUDIENCE,
      JWT_ALGS: 'RS256',
      CORS_ORIGIN: oauth.url,
      DPOP: 'required',
      DPOP_NONCE_SECONDS: '30',
    },
    join(__dirname, '..'),
  );
  await page.addInitScript((origin) => localStorage.setItem('consumer-app.api-origin', origin), api.url);
});

test.afterEach(async () => {
  await api.stop();
});

/** The claims of a JWT, unverified. */
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as { cnf?: { jkt?: string } };

test('signs in by redirect with proofs, gets tokens bound to its key, and shows the answers of both APIs on zone.js', async ({ page }) => {
  const tokenRequests: (string | undefined)[] = [];
  page.on('request', (request) => request.url().endsWith('/oidc/token') && tokenRequests.push(request.headers()['dpop']));
  await page.request.post('/test/reset');

  await signInByRedirect(page);

  // The code exchange: once without a nonce, which oidc-provider requires, then once more with the one it gave.
  expect(await stats(page)).toEqual(
    expect.objectContaining({ tokenRequests: { authorization_code: 1 }, dpop: { proofs: 2, nonceChallenges: 1 } }),
  );
  expect(tokenRequests).toEqual([expect.stringMatching(/^ey/), expect.stringMatching(/^ey/)]);
  expect(claimsOf((await storedTokens(page))!.accessToken).cnf?.jkt).toMatch(/^[\w-]{43}$/);
  await expect(page.locator('html')).toHaveAttribute('data-zone', 'true');

  await send(page, 3, 0);
  await expect(page.getByTestId('served')).toHaveText('3 served');
  // The API on another origin asks for a nonce of its own first: one resend, no refresh.
  await page.getByRole('button', { name: 'Who am I' }).click();
  await expect(page.getByTestId('whoami')).toHaveText('the API says: ada');
  expect((await stats(page)).tokenRequests).toEqual({ authorization_code: 1 });
  await expectStable(page);
});

test('20 staggered 401s make exactly one refresh grant, with a proof, and the page shows all 20 answers', async ({ page }) => {
  await signInByRedirect(page);
  await page.request.post('/test/reset');
  await breakAccessToken(page);

  await send(page, 20, 15);

  await expect(page.getByTestId('served')).toHaveText('20 served');
  expect(await stats(page)).toEqual(
    expect.objectContaining({
      tokenRequests: { refresh_token: 1 },
      refresh: { succeeded: 1, failed: {} },
      // Tabs keep nonces in memory, so the reload forgot oidc-provider's: the refresh goes once more with a new one.
      dpop: { proofs: 2, nonceChallenges: 1 },
    }),
  );
  await expectStable(page);
});

test('copied tokens are useless without the key at the API and at oidc-provider, and the session goes on', async ({
  page,
  request,
  oauth,
}) => {
  await signInByRedirect(page);
  const stolen = (await storedTokens(page))!;
  await page.request.post('/test/reset');
  const whoami = `${api.url}/whoami`;
  const tokenUrl = `${oauth.url}/oidc/token`;
  const thief = await newProofKey();
  const refreshForm = { grant_type: 'refresh_token', client_id: 'consumer-app', refresh_token: stolen.refreshToken };

  const asBearer = await request.get(whoami, { headers: { Authorization: `Bearer ${stolen.accessToken}` } });
  const apiNonce = asBearer.headers()['dpop-nonce'];
  // oidc-provider gives its nonce to whoever asks with a proof: the thief asks first, then tries with it.
  const askNonce = await request.post(tokenUrl, { form: refreshForm, headers: { DPoP: await thief.proof('POST', tokenUrl) } });
  const providerNonce = askNonce.headers()['dpop-nonce'];
  const attempts = {
    'access token as Bearer': asBearer,
    'access token without a proof': await request.get(whoami, { headers: { Authorization: `DPoP ${stolen.accessToken}` } }),
    "access token with the thief's own key": await request.get(whoami, {
      headers: {
        Authorization: `DPoP ${stolen.accessToken}`,
        DPoP: await thief.proof('GET', whoami, { accessToken: stolen.accessToken, nonce: apiNonce }),
      },
    }),
    'refresh token without a proof': await request.post(tokenUrl, { form: refreshForm }),
    "refresh token with the thief's own key": await request.post(tokenUrl, {
      form: refreshForm,
      headers: { DPoP: await thief.proof('POST', tokenUrl, { nonce: providerNonce }) },
    }),
  };
  for (const [name, response] of Object.entries(attempts)) {
    console.log(
      `theft at oidc-provider's side: ${name} → ${response.status()} ${response.headers()['www-authenticate'] ?? (await response.text())}`,
    );
  }
  expect(askNonce.status()).toBe(400);
  expect(Object.fromEntries(await Promise.all(Object.entries(attempts).map(async ([name, r]) => [name, await errorOf(r)])))).toEqual({
    'access token as Bearer': '401 invalid_token',
    'access token without a proof': '401 invalid_dpop_proof',
    "access token with the thief's own key": '401 invalid_token',
    'refresh token without a proof': '400 invalid_grant',
    "refresh token with the thief's own key": '400 invalid_grant',
  });

  // Nothing was revoked: the page refreshes with its own key and goes on.
  expect((await stats(page)).grantsRevoked).toBe(0);
  await page.request.post('/test/reset');
  await breakAccessToken(page);
  await send(page, 3, 0);
  await expect(page.getByTestId('served')).toHaveText('3 served');
  expect((await stats(page)).refresh).toEqual({ succeeded: 1, failed: {} });
});

/** `<status> <error code>` of an OAuth answer: from the JSON body, or the `WWW-Authenticate` challenge. */
async function errorOf(response: import('@playwright/test').APIResponse): Promise<string> {
  const challenge = /\berror="([^"]+)"/.exec(response.headers()['www-authenticate'] ?? '')?.[1];
  const body = challenge ? undefined : ((await response.json().catch(() => ({}))) as { error?: string }).error;
  return `${response.status()} ${challenge ?? body}`;
}
