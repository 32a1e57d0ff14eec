import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { REFRESH_COOKIE } from '../server/auth/refresh-cookie';
import { expect, signIn, test as base } from './fixtures';
import { NGINX_MISSING, findNginx } from './proxy/find-nginx';
import { NGINX_CONFIG, startReverseProxy } from './proxy/reverse-proxy';

const BURST = 50;
const RESOURCE = 'protected resources, username: demo';

// The demo and its API through nginx, as deploy/nginx/token-server.conf runs it: HTTP/2 over TLS in front of one
// token server, which believes X-Forwarded-For for one hop (nginx's).
const test = base.extend<object, { proxyUrl: string }>({
  proxyUrl: [
    async ({ serverUrl }, use) => {
      const proxy = await startReverseProxy([serverUrl]);
      try {
        await use(proxy.url);
      } finally {
        await proxy.stop();
      }
    },
    { scope: 'worker' },
  ],
  baseURL: async ({ proxyUrl }, use) => use(proxyUrl),
});

test.use({ serverEnv: { TRUST_PROXY: '1', LOGIN_MAX_FAILURES: '3' }, ignoreHTTPSErrors: true });

test.describe('the nginx configuration', () => {
  test('is the one the guide to several instances shows', () => {
    const config = readFileSync(NGINX_CONFIG, 'utf8');
    const readme = readFileSync(join(__dirname, '../docs/several-instances.md'), 'utf8');

    const start = readme.indexOf('```nginx\n' + config.slice(0, config.indexOf('\n')));
    const shown = readme.slice(start + '```nginx\n'.length, readme.indexOf('```\n', start + 1));

    expect(start).toBeGreaterThan(-1);
    expect(shown).toBe(config);
  });
});

test.describe('behind nginx (HTTP/2 over TLS)', () => {
  test.skip(findNginx() === null, NGINX_MISSING);

  test(`the demo is served over HTTP/2, and ${BURST} requests with a broken token share one refresh`, async ({
    page,
    network,
    demoMode,
  }) => {
    await signIn(page);
    await page.getByRole('button', { name: 'Break access token' }).click();
    network.clear();
    await page.evaluate(() => performance.clearResourceTimings());

    await page.getByLabel('Requests').fill(String(BURST));
    await page.getByRole('button', { name: `Send ${BURST} requests` }).click();

    const items = page.getByRole('list', { name: 'Responses' }).getByRole('listitem');
    await expect(items.filter({ hasText: RESOURCE })).toHaveCount(BURST);
    await expect(page.getByTestId('story')).toHaveText(`${BURST} × 401 → 1 refresh → ${BURST} × 200`);
    const exchanges = await network.exchanges();
    expect(exchanges.filter((e) => e.path === '/authorization/refresh').map((e) => e.status)).toEqual([200]);
    expect(exchanges.filter((e) => e.path.startsWith('/api/resources') && e.status === 401)).toHaveLength(BURST);
    expect(exchanges.filter((e) => e.path.startsWith('/api/resources') && e.status === 200)).toHaveLength(BURST);
    const protocols = await page.evaluate(() => ({
      page: (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).nextHopProtocol,
      api: performance
        .getEntriesByType('resource')
        .filter((entry) => /^\/(api|authorization)\//.test(new URL(entry.name).pathname))
        .map((entry) => (entry as PerformanceResourceTiming).nextHopProtocol),
    }));
    expect(protocols.page).toBe('h2');
    expect(protocols.api).toHaveLength(2 * BURST + 1);
    expect([...new Set(protocols.api)]).toEqual(['h2']);

    mkdirSync(join(__dirname, 'artifacts'), { recursive: true });
    await page.screenshot({ path: join(__dirname, `artifacts/reverse-proxy-${demoMode}.png`), fullPage: true });
  });

  test("a cookie request is checked against the page's own origin, https and port included", async ({ request, baseURL }) => {
    // Without Sec-Fetch-Site, as a client other than a browser sends it, the server checks Origin against its own.
    const refresh = (origin: string) =>
      request.post('/authorization/refresh', {
        headers: { 'Refresh-Token-Transport': 'cookie', Cookie: `${REFRESH_COOKIE}=not-a-token`, Origin: origin },
      });

    const own = await refresh(baseURL!);
    const other = await refresh('https://elsewhere.example');

    // From its own origin the cookie is read, and refused as the forgery it is; from another it is not even read.
    expect(own.status()).toBe(400);
    expect(other.status()).toBe(403);
  });

  test("a client's own X-Forwarded-For does not escape the sign-in throttle", async ({ request }) => {
    const signInFrom = (address: string) =>
      request.post('/authorization/token', {
        headers: { 'X-Forwarded-For': address },
        data: { userName: 'mallory', password: 'guess' },
      });

    const statuses = [];
    for (const address of ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4']) {
      statuses.push((await signInFrom(address)).status());
    }

    expect(statuses).toEqual([401, 401, 401, 429]);
  });
});
