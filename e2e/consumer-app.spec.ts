import { ANGULAR_MAJORS, AppStyle, consumerBuild } from './consumer-app';
import { appErrors, test } from './consumer-fixtures';
import { expect, expectStable, storedTokens, writeStoredTokens } from './fixtures';
import { watchForLoginPage } from './login-watch';

const STYLES: Record<AppStyle, string> = {
  plain: 'standalone, zoneless, functional interceptor',
  module: 'NgModule, zone.js, class interceptor in HTTP_INTERCEPTORS',
};

// The packed tarball, installed with npm into a separate app of each Angular major the package claims, in both app
// styles, configured from the guides' snippets and served by the token server like any static build.
for (const major of ANGULAR_MAJORS) {
  for (const style of Object.keys(STYLES) as AppStyle[]) {
    test.describe(`Angular ${major}, ${STYLES[style]}`, () => {
      test.use({ staticDir: consumerBuild(major, style) });

      test('shows 3 × 401 → 1 refresh → 3 × 200 on the page, is stable when idle, and reloads without /login', async ({
        page,
        network,
      }) => {
        const errors = appErrors(page);
        const heading = page.getByRole('heading');

        await page.goto('/');
        await expect(page).toHaveURL(/\/login\?returnUrl=%2F$/);
        await expect(page.locator('html')).toHaveAttribute('data-angular', new RegExp(`^${major}\\.`));
        // The app really runs on what its style says: a zone.js app whose NgZone were a no-op would prove nothing.
        await expect(page.locator('html')).toHaveAttribute('data-zone', String(style === 'module'));
        await page.getByLabel('User name').fill('demo');
        await page.getByLabel('Password').fill('demo-password');
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await expect(heading).toHaveText('Signed in as demo');
        // With 300-second tokens a proactive refresh is always ahead: its timer must not keep the app unstable.
        await expectStable(page);

        // A reload with an access token the server refuses: the guard lets the page through, the app is stable again.
        const stored = await storedTokens(page);
        await writeStoredTokens(page, { ...stored, accessToken: 'not-a-valid-token' });
        const loginSeen = await watchForLoginPage(page);
        await page.reload();
        await expect(heading).toHaveText('Signed in as demo');
        await expectStable(page);
        expect(await loginSeen()).toEqual([]);
        network.clear();

        await page.getByRole('button', { name: 'Send' }).click();

        // On the page, where a zone.js app shows only what reached it inside the Angular zone.
        await expect(page.getByTestId('served')).toHaveText('3 served');
        await expect(page.getByTestId('result')).toHaveText(['200', '200', '200']);
        const exchanges = (await network.exchanges()).map(({ method, path, status }) => `${method} ${path.replace(/\?.*/, '')} ${status}`);
        expect(exchanges.filter((line) => line.includes('/api/')).sort()).toEqual([
          ...Array(3).fill('GET /api/resources 200'),
          ...Array(3).fill('GET /api/resources 401'),
        ]);
        expect(exchanges.filter((line) => line.includes('/authorization/'))).toEqual(['POST /authorization/refresh 200']);
        // Every 200 came after the one refresh, in completion order (a 401 may finish after the refresh it joined, or
        // even after another request's retry).
        const order = exchanges.map((line) => (line.includes('refresh') ? 'R' : line.endsWith('401') ? '4' : '2')).join('');
        expect(order.indexOf('R')).toBeLessThan(order.indexOf('2'));
        expect((await storedTokens(page))?.refreshToken).not.toBe(stored?.refreshToken);
        await expectStable(page);
        expect(errors).toEqual([]);
      });
    });
  }
}
