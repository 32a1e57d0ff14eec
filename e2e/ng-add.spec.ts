import { readFileSync } from 'node:fs';

import { startTokenServer } from '../server/start-token-server';
import { test as base, expect, storedTokens, writeStoredTokens } from './fixtures';
import { NG_ADD_APPS, NgAddApp, ngAddApp } from './ng-add-apps';

/** A token server of its own for each test, serving the build the test names. */
const test = base.extend<{ staticDir: string }>({
  staticDir: ['', { option: true }],
  baseURL: async ({ staticDir }, use) => {
    const server = await startTokenServer({ LOG_LEVEL: 'warn', STATIC_DIR: staticDir });
    try {
      await use(server.url);
    } finally {
      await server.stop();
    }
  },
});

const DESCRIPTIONS: Record<NgAddApp, string> = {
  standalone: 'a new standalone app (zoneless, as ng new makes it)',
  module: 'a new NgModule app (ng new --standalone=false, zoneless by default)',
  'module-zone': 'a new NgModule app on zone.js (ng new --standalone=false --zoneless=false)',
};

// Apps made by the real `ng new`, set up by nothing but `ng add angular-token-refresh --defaults`, built and run.
for (const name of Object.keys(NG_ADD_APPS) as NgAddApp[]) {
  test.describe(`ng add on ${DESCRIPTIONS[name]}`, () => {
    test.use({ staticDir: ngAddApp(name).browser });

    test('guards the app, signs in on the page it added, and turns 3 × 401 into 1 refresh and 3 × 200', async ({ page, network }) => {
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
      const log = readFileSync(ngAddApp(name).log, 'utf8');
      expect(log).toContain('added provideAuth(…)');
      expect(log).toContain('added the /login route');

      await page.goto('/');
      await expect(page).toHaveURL(/\/login\?returnUrl=%2F$/);
      expect(await page.evaluate(() => 'Zone' in window)).toBe(name === 'module-zone');
      await page.getByLabel('User name').fill('demo');
      await page.getByLabel('Password').fill('wrong-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.getByRole('alert')).toHaveText('Wrong user name or password.');
      await page.getByLabel('Password').fill('demo-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.getByTestId('served')).toHaveText('3 served');

      // A reload with an access token the server refuses.
      const stored = await storedTokens(page);
      await writeStoredTokens(page, { ...stored, accessToken: 'not-a-valid-token' });
      network.clear();
      await page.reload();

      await expect(page.getByTestId('served')).toHaveText('3 served');
      const calls = (await network.exchanges()).map(({ method, path, status }) => `${method} ${path} ${status}`);
      expect(calls.filter((call) => call.includes('/api/')).sort()).toEqual([
        ...Array(3).fill('GET /api/resources 200'),
        ...Array(3).fill('GET /api/resources 401'),
      ]);
      expect(calls.filter((call) => call.includes('/authorization/'))).toEqual(['POST /authorization/refresh 200']);
      expect(errors.filter((error) => !error.includes('401'))).toEqual([]);
    });
  });
}
