import { join } from 'node:path';

import { ListeningProcess, spawnListening } from '../server/spawn-listening';
import { CONSUMER_BUILDS } from './consumer-app';
import { expect, test as base } from './fixtures';
import { watchForLoginPage } from './login-watch';

/** The two server-rendered builds: the zoneless install snippet, and the same on zone.js. */
const BUILDS = { ssr: 'zoneless', 'ssr-zone': 'zone.js' } as const;

// The separate consumer app built with @angular/ssr and the recipe in docs/ssr.md (`/login` on the server, guarded routes
// in the browser), run by its own Node server, which forwards /api and /authorization to the token server.
for (const [build, changeDetection] of Object.entries(BUILDS) as [keyof typeof BUILDS, string][]) {
  const test = base.extend<object, { ssr: ListeningProcess }>({
    ssr: [
      async ({ serverUrl }, use) => {
        const server = join(CONSUMER_BUILDS[build], 'server/server.mjs');
        const ssr = await spawnListening([server], { PORT: '0', API_ORIGIN: serverUrl }, __dirname);
        try {
          await use(ssr);
        } finally {
          await ssr.stop();
        }
      },
      { scope: 'worker' },
    ],
    baseURL: async ({ ssr }, use) => use(ssr.url),
  });

  test.describe(`server-side rendering, ${changeDetection}`, () => {
    test('renders /login on the server, and answers a guarded route with the client shell, not a redirect', async ({ request, ssr }) => {
      const login = await request.get('/login');
      expect(login.status()).toBe(200);
      expect(await login.text()).toContain('<h1>Sign in</h1>');

      const home = await request.get('/', { maxRedirects: 0 });
      expect(home.status()).toBe(200);
      expect(await home.text()).not.toContain('Sign in');

      expect(ssr.output()).not.toMatch(/error/i);
    });

    test('a signed-in user who reloads a guarded page never sees /login in between, and the app is stable', async ({ page, ssr }) => {
      const stable = page.locator('html');
      await page.goto('/login');
      await page.getByLabel('User name').fill('demo');
      await page.getByLabel('Password').fill('demo-password');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await expect(page.getByRole('heading')).toHaveText('Signed in as demo');
      await expect(stable).toHaveAttribute('data-stable', 'true', { timeout: 5_000 });

      const loginSeen = await watchForLoginPage(page);
      const documents: string[] = [];
      page.on('framenavigated', (frame) => frame === page.mainFrame() && documents.push(new URL(frame.url()).pathname));

      for (let reload = 0; reload < 3; reload++) {
        await page.reload();
        await expect(page.getByRole('heading')).toHaveText('Signed in as demo');
        // Hydrated, with a proactive refresh ahead: stable all the same.
        await expect(stable).toHaveAttribute('data-stable', 'true', { timeout: 5_000 });
        expect(await loginSeen()).toEqual([]);
      }
      expect([...new Set(documents)]).toEqual(['/']);
      expect(ssr.output()).not.toMatch(/error/i);
    });
  });
}
