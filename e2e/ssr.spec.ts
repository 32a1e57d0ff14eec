import { join } from 'node:path';

import { ListeningProcess, spawnListening } from '../server/spawn-listening';
import { CONSUMER_BUILDS } from './consumer-app';
import { expect, test as base } from './fixtures';

// The separate consumer app built with @angular/ssr and the README's recipe (`/login` on the server, guarded routes
// in the browser), run by its own Node server, which forwards /api and /authorization to the token server.
const test = base.extend<object, { ssr: ListeningProcess }>({
  ssr: [
    async ({ serverUrl }, use) => {
      const ssr = await spawnListening([join(CONSUMER_BUILDS.ssr, 'server/server.mjs')], { PORT: '0', API_ORIGIN: serverUrl }, __dirname);
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

test('renders /login on the server, and answers a guarded route with the client shell, not a redirect', async ({ request, ssr }) => {
  const login = await request.get('/login');
  expect(login.status()).toBe(200);
  expect(await login.text()).toContain('<h1>Sign in</h1>');

  const home = await request.get('/', { maxRedirects: 0 });
  expect(home.status()).toBe(200);
  expect(await home.text()).not.toContain('Sign in');

  expect(ssr.output()).not.toMatch(/error/i);
});

test('a signed-in user who reloads a guarded page never sees /login in between', async ({ page, ssr }) => {
  await page.goto('/login');
  await page.getByLabel('User name').fill('demo');
  await page.getByLabel('Password').fill('demo-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading')).toHaveText('Signed in as demo');

  // From the first byte of every document: any moment the login page or its URL shows is recorded.
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { seen: string[] }).seen = seen;
    const look = () => {
      if (location.pathname === '/login' || document.querySelector('h1')?.textContent === 'Sign in') {
        seen.push(location.href);
      }
    };
    new MutationObserver(look).observe(document, { childList: true, subtree: true, characterData: true });
    addEventListener('popstate', look);
  });
  const documents: string[] = [];
  page.on('framenavigated', (frame) => frame === page.mainFrame() && documents.push(new URL(frame.url()).pathname));

  for (let reload = 0; reload < 3; reload++) {
    await page.reload();
    await expect(page.getByRole('heading')).toHaveText('Signed in as demo');
    expect(await page.evaluate(() => (window as unknown as { seen: string[] }).seen)).toEqual([]);
  }
  expect([...new Set(documents)]).toEqual(['/']);
  expect(ssr.output()).not.toMatch(/error/i);
});
