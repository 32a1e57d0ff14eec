import { Page } from '@playwright/test';
import { join } from 'node:path';

import { ListeningProcess, spawnListening } from '../../server/spawn-listening';
import { CONSUMER_BUILDS } from '../consumer-app';
import { expect, storedTokens, test as base, writeStoredTokens } from '../fixtures';
import type { Stats } from './oauth-server';

// withOAuth2 against a real authorization server nobody here wrote: oidc-provider, with rotateRefreshToken, which
// revokes the whole grant when a used refresh token comes back. The separate consumer app, built from the guides'
// OAuth snippet, is served on the authorization server's origin; it opens its session with startSession.
export const test = base.extend<
  object,
  { accessTokenTtl: number; appBuild: 'oauth' | 'oauth-code' | 'oauth-code-zone' | 'oauth-code-dpop'; oauth: ListeningProcess }
>({
  accessTokenTtl: [60, { scope: 'worker', option: true }],
  /** Which build of the consumer app the harness serves: refresh only (`startSession`), or sign-in by redirect (zoneless, on zone.js, or with DPoP on zone.js). */
  appBuild: ['oauth', { scope: 'worker', option: true }],
  oauth: [
    async ({ accessTokenTtl, appBuild }, use) => {
      const env = { PORT: '0', STATIC_DIR: join(CONSUMER_BUILDS[appBuild], 'browser'), ACCESS_TOKEN_TTL: String(accessTokenTtl) };
      const server = await spawnListening(['--import', 'tsx', join(__dirname, 'oauth-server.ts')], env, join(__dirname, '../..'));
      try {
        await use(server);
      } finally {
        await server.stop();
      }
    },
    { scope: 'worker' },
  ],
  baseURL: async ({ oauth }, use) => use(oauth.url),
});

/** The authorization server's counters since the last reset. */
export async function stats(page: Page): Promise<Stats> {
  return (await page.request.get('/test/stats')).json();
}

/** Gets ada's first tokens from the server's test grant and lands on the app's callback with them, as a code flow would. */
export async function startSession(page: Page): Promise<void> {
  const answer = await page.request.post('/oidc/token', {
    form: { grant_type: 'urn:test:issue-tokens', client_id: 'consumer-app', account: 'ada' },
  });
  expect(answer.status()).toBe(200);
  const { access_token, refresh_token, expires_in } = await answer.json();
  await page.goto(`/callback#${new URLSearchParams({ access_token, refresh_token, expires_in: String(expires_in), user: 'ada' })}`);
  await expect(page.getByRole('heading')).toHaveText('Signed in as ada');
  await page.request.post('/test/reset');
}

/** Replaces the stored access token with one the server refuses, and reloads, so the next requests get 401. */
export async function breakAccessToken(page: Page, refreshToken?: string): Promise<void> {
  const stored = await storedTokens(page);
  await writeStoredTokens(page, { ...stored, accessToken: 'refused-by-the-server', ...(refreshToken ? { refreshToken } : {}) });
  await page.reload();
}

export async function send(page: Page, count: number, staggerMs: number): Promise<void> {
  await page.getByLabel('Requests').fill(String(count));
  await page.getByLabel('Stagger (ms)').fill(String(staggerMs));
  await page.getByRole('button', { name: 'Send' }).click();
}

/**
 * Signs in as `account` by redirect, through the authorization server's own login and consent pages, starting from the
 * app's login page; resolves with the callback URL the browser came back to.
 */
export async function signInByRedirect(page: Page, account = 'ada'): Promise<string> {
  // oidc-provider's pages import web fonts; there is no network here, and nothing waits for them.
  await page.route(/fonts\.(googleapis|gstatic)\.com/, (route) => route.abort());
  let callback = '';
  page.on('request', (request) => request.isNavigationRequest() && request.url().includes('/callback?') && (callback = request.url()));
  await page.goto('/');
  await expect(page).toHaveURL(/\/login\?returnUrl=%2F$/);
  await page.getByRole('button', { name: 'Sign in with the identity provider' }).click();
  await loginAtProvider(page, account);
  await expect(page.getByRole('heading')).toHaveText(`Signed in as ${account}`);
  return callback;
}

/** Signs in as `account` on oidc-provider's own login page (any password), and consents where it asks. */
export async function loginAtProvider(page: Page, account = 'ada'): Promise<void> {
  await page.locator('input[name=login]').fill(account);
  await page.locator('input[name=password]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  const consent = page.getByRole('button', { name: 'Continue' });
  if (await consent.isVisible({ timeout: 2_000 }).catch(() => false)) {
    await consent.click();
  }
}

export { expect, storedTokens };
