import { join } from 'node:path';

import { newProofKey } from '../server/dpop-proof-key';
import { CONSUMER_BUILDS } from './consumer-app';
import { appErrors, test } from './consumer-fixtures';
import { expect, expectStable } from './fixtures';

// The install snippet with withRefreshTokenCookie() and withDPoP(), on zone.js, against the bundled server requiring
// DPoP with nonces: the HttpOnly refresh cookie belongs to a session bound to the browser's key.
test.use({
  staticDir: join(CONSUMER_BUILDS['cookie-dpop'], 'browser'),
  consumerServerEnv: { DPOP: 'required', DPOP_NONCE_SECONDS: '30' },
});

test('cookie mode with DPoP: a reload recovers the token with a proof, the page shows every answer, and a copied cookie is useless without the key', async ({
  page,
  request,
  context,
  baseURL,
  network,
}) => {
  const errors = appErrors(page);
  await page.goto('/');
  await expect(page.locator('html')).toHaveAttribute('data-zone', 'true');
  await page.getByLabel('User name').fill('demo');
  await page.getByLabel('Password').fill('demo-password');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('heading')).toHaveText('Signed in as demo');

  // What a thief could copy: the cookie (as if HttpOnly did not stop them). Presented with every header the
  // server's CSRF guard wants, without a proof and with a proof of another key.
  const cookie = (await context.cookies()).find((c) => c.name === '__Secure-refresh-token')!;
  const refresh = `${baseURL}/authorization/refresh`;
  const asThief = (dpop?: string) =>
    request.post(refresh, {
      headers: {
        Cookie: `${cookie.name}=${cookie.value}`,
        Origin: baseURL!,
        'Refresh-Token-Transport': 'cookie',
        ...(dpop ? { DPoP: dpop } : {}),
      },
    });
  const thief = await newProofKey();
  const withoutProof = await asThief();
  const nonce = withoutProof.headers()['dpop-nonce'];
  const withOtherKey = await asThief(await thief.proof('POST', refresh, { nonce }));
  expect([withoutProof.status(), (await withoutProof.json()).error]).toEqual([400, 'invalid_dpop_proof']);
  expect([withOtherKey.status(), (await withOtherKey.json()).error]).toEqual([400, 'invalid_grant']);

  // The access token lives in memory: the reload gets it back with the cookie and a proof of the page's own key.
  network.clear();
  await page.reload();
  await expect(page.getByRole('heading')).toHaveText('Signed in as demo');
  await page.getByRole('button', { name: 'Send' }).click();

  await expect(page.getByTestId('served')).toHaveText('3 served');
  const exchanges = await network.exchanges();
  // The reload forgot the server's nonce (tabs keep it in memory): one resend with the one it gives, then the refresh.
  const refreshes = exchanges.filter((e) => e.path === '/authorization/refresh');
  expect(refreshes.map((e) => `${e.status} ${e.status === 400 ? JSON.parse(e.body ?? '{}').error : ''}`)).toEqual([
    '400 use_dpop_nonce',
    '200 ',
  ]);
  const resources = exchanges.filter((e) => e.path.startsWith('/api/resources') && e.status === 200);
  expect(resources.map((e) => e.authorization?.split(' ')[0])).toEqual(['DPoP', 'DPoP', 'DPoP']);
  await expectStable(page);
  expect(errors).toEqual([]);
});
