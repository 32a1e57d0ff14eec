import { newProofKey } from '../server/dpop-proof-key';
import { NetworkLog, expect, signIn, storedTokens, test } from './fixtures';
import { RESOURCE } from './tab-traffic';

// The demo's `dpop` build against the bundled server requiring DPoP, with nonces that rotate every 6 seconds (a nonce is
// good for its period and the next).
const NONCE_SECONDS = 6;
test.use({
  demoMode: 'dpop',
  serverEnv: { DPOP: 'required', DPOP_NONCE_SECONDS: String(NONCE_SECONDS), REFRESH_REUSE_WINDOW_SECONDS: '0' },
});

async function send(page: import('@playwright/test').Page, n: number, latency: 'none' | 'staggered') {
  await page.getByLabel('Requests').fill(String(n));
  await page.getByLabel('Server latency').selectOption(latency);
  await page.getByRole('button', { name: `Send ${n} requests` }).click();
  const items = page.getByRole('list', { name: 'Responses' }).getByRole('listitem');
  await expect(items.filter({ hasText: RESOURCE })).toHaveCount(n, { timeout: 30_000 });
}

async function summarize(log: NetworkLog) {
  const network = await log.exchanges();
  const resources = network.filter((e) => e.path.startsWith('/api/resources'));
  return {
    sends: resources,
    ok: resources.filter((e) => e.status === 200),
    nonceAsked: resources.filter((e) => e.status === 401 && (e.body ?? '').includes('use_dpop_nonce')),
    refreshes: network.filter((e) => e.path === '/authorization/refresh'),
  };
}

test.describe('DPoP against the bundled server (DPOP=required, rotating nonces)', () => {
  test('20 staggered requests on a broken token: one refresh, all 20 served, every send a DPoP token with a proof', async ({
    page,
    network,
  }) => {
    await signIn(page);
    await page.getByRole('button', { name: 'Break access token' }).click();
    network.clear();

    await send(page, 20, 'staggered');

    const { sends, ok, refreshes } = await summarize(network);
    expect(refreshes.map((e) => e.status)).toEqual([200]);
    expect(ok).toHaveLength(20);
    for (const e of sends) {
      expect(e.authorization).toMatch(/^DPoP /);
    }
    await expect(page.getByTestId('story')).toContainText('1 refresh');
    // The page says the tokens are bound, and offers no compare mode (the textbook interceptor sends Bearer tokens).
    await expect(page.getByTestId('mode')).toContainText('bound to a key this browser holds');
    await expect(page.getByLabel('Interceptor')).toHaveCount(0);
  });

  test('a nonce that rotated out costs each request of a burst of 100 at most one resend, and no refresh', async ({ page, network }) => {
    await signIn(page);
    // Idle for two periods: the nonce the page learnt has rotated out, and every proof of the burst carries it.
    await page.waitForTimeout(2 * NONCE_SECONDS * 1000 + 500);
    network.clear();

    // Short answers, so the resends (signed with the nonce of the first refusal) reach the server within its period.
    // A burst that queues longer than a nonce lives would be refused twice: nonces must outlive the longest queue.
    await send(page, 100, 'none');

    const { sends, ok, nonceAsked, refreshes } = await summarize(network);
    console.log(`DPoP burst of 100: ${sends.length} sends, ${nonceAsked.length} asked for a new nonce, ${refreshes.length} refreshes`);
    expect(ok).toHaveLength(100);
    expect(sends.length).toBe(100 + nonceAsked.length);
    expect(nonceAsked.length).toBeGreaterThan(0);
    expect(nonceAsked.length).toBeLessThanOrEqual(100);
    expect(refreshes).toEqual([]);
  });

  test('a copied access token, refresh token or proof is useless without the key, and the session goes on', async ({
    page,
    request,
    baseURL,
    network,
  }) => {
    await signIn(page);
    const stolen = (await storedTokens(page))!;
    // What a log or a proxy saw of one of the page's requests: its token and its proof.
    const seen = page.waitForRequest((r) => r.url().includes('/api/resources') && r.headers()['dpop'] !== undefined);
    await send(page, 2, 'none');
    const { authorization, dpop: seenProof } = (await seen).headers();

    const asBearer = await request.get('/api/resources', { headers: { Authorization: `Bearer ${stolen.accessToken}` } });
    const nonce = asBearer.headers()['dpop-nonce'];
    const resource = `${baseURL}/api/resources`;
    // A proof of the thief's own key, valid in every other respect.
    const thief = await newProofKey();
    const refresh = `${baseURL}/authorization/refresh`;
    const attempts = {
      'access token as Bearer': asBearer,
      'access token without a proof': await request.get(resource, { headers: { Authorization: `DPoP ${stolen.accessToken}` } }),
      "access token with the thief's own key": await request.get(resource, {
        headers: {
          Authorization: `DPoP ${stolen.accessToken}`,
          DPoP: await thief.proof('GET', resource, { nonce, accessToken: stolen.accessToken }),
        },
      }),
      'a seen proof replayed': await request.get(resource, { headers: { Authorization: authorization, DPoP: seenProof } }),
      'a seen proof at another method and URL': await request.post(refresh, {
        data: { refreshToken: stolen.refreshToken },
        headers: { DPoP: seenProof },
      }),
      'refresh token without a proof': await request.post(refresh, { data: { refreshToken: stolen.refreshToken } }),
      "refresh token with the thief's own key": await request.post(refresh, {
        data: { refreshToken: stolen.refreshToken },
        headers: { DPoP: await thief.proof('POST', refresh, { nonce }) },
      }),
    };
    const outcomes = Object.fromEntries(Object.entries(attempts).map(([name, response]) => [name, response.status()]));
    for (const [name, response] of Object.entries(attempts)) {
      console.log(`theft: ${name} → ${response.status()} ${response.headers()['www-authenticate'] ?? (await response.text())}`);
    }
    expect(outcomes).toEqual({
      'access token as Bearer': 401,
      'access token without a proof': 401,
      "access token with the thief's own key": 401,
      'a seen proof replayed': 401,
      'a seen proof at another method and URL': 400,
      'refresh token without a proof': 400,
      "refresh token with the thief's own key": 400,
    });

    // The thief's attempts ended nothing: the page refreshes with its key and goes on.
    network.clear();
    await page.getByRole('button', { name: 'Break access token' }).click();
    await send(page, 3, 'none');
    const { refreshes } = await summarize(network);
    expect(refreshes.map((e) => e.status)).toEqual([200]);
  });

  test('page script can use the key but cannot export it', async ({ page }) => {
    await signIn(page);

    const key = await page.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open('angular-token-refresh.tokens.dpop');
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const stored = await new Promise<{ keyPair: CryptoKeyPair }>((resolve, reject) => {
        const get = db.transaction('tokens').objectStore('tokens').get('current');
        get.onsuccess = () => resolve(get.result);
        get.onerror = () => reject(get.error);
      });
      const { privateKey } = stored.keyPair;
      const exported = await crypto.subtle.exportKey('jwk', privateKey).then(
        () => 'exported',
        (error: Error) => error.name,
      );
      return { algorithm: privateKey.algorithm, extractable: privateKey.extractable, usages: privateKey.usages, exported };
    });

    expect(key).toEqual({
      algorithm: { name: 'ECDSA', namedCurve: 'P-256' },
      extractable: false,
      usages: ['sign'],
      exported: 'InvalidAccessError',
    });
  });
});
