import { BrowserContext, Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { expect, signIn, test } from './fixtures';

const RESOURCE = 'protected resources, username: demo';
const ARTIFACTS = join(__dirname, 'artifacts');

type Interceptor = 'library' | 'textbook';

/** What one batch cost, counted on the wire and on the page. */
interface Figures {
  refreshes: number;
  refused: number;
  served: number;
  /** One tab: responses still pending on the page once the others settled. Two tabs: tabs sent to the login page. */
  pending?: number;
  signedOut?: number;
}

/** Counts refresh calls, their refusals and served resources from every page of the context. */
function watchWire(context: BrowserContext) {
  const refreshes: number[] = [];
  let served = 0;
  let last = Date.now();
  context.on('response', (response) => {
    const request = response.request();
    const path = new URL(request.url()).pathname;
    last = Date.now();
    if (request.method() === 'POST' && path === '/authorization/refresh') {
      refreshes.push(response.status());
    } else if (path === '/api/resources' && response.status() === 200) {
      served++;
    }
  });
  return {
    clear: () => {
      refreshes.splice(0);
      served = 0;
    },
    refreshes: () => refreshes.length,
    refused: () => refreshes.filter((status) => status !== 200).length,
    served: () => served,
    /** Resolves once nothing has answered for `quietMs`. */
    quiet: async (quietMs: number) => {
      while (Date.now() - last < quietMs) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}

async function choose(page: Page, interceptor: Interceptor): Promise<void> {
  await page.getByLabel('Interceptor').selectOption(interceptor);
  await expect(page.getByTestId('compare-notice')).toHaveCount(interceptor === 'textbook' ? 1 : 0);
}

/** Fills in a staggered batch of `n` and returns the button that sends it. */
async function prepareBatch(page: Page, n: number) {
  await page.getByLabel('Requests').fill(String(n));
  await page.getByLabel('Server latency').selectOption('staggered');
  return page.getByRole('button', { name: `Send ${n} requests` });
}

/** Served and still-pending responses once the batch has settled, or after `settleMs` if some never do. */
async function outcome(page: Page, n: number, settleMs: number): Promise<{ served: number; pending: number }> {
  const items = page.getByRole('list', { name: 'Responses' }).getByRole('listitem');
  const pending = items.filter({ hasText: 'pending…' });
  await expect(pending)
    .toHaveCount(0, { timeout: settleMs })
    .catch(() => undefined);
  await expect(items).toHaveCount(n);
  return { served: await items.filter({ hasText: RESOURCE }).count(), pending: await pending.count() };
}

test.describe('compare mode: the textbook interceptor beside this library, against strict single use', () => {
  test('twenty staggered 401s: the textbook interceptor refreshes more than once, ours exactly once and serves all 20', async ({
    page,
    context,
  }) => {
    const wire = watchWire(context);
    await signIn(page);
    const figures: Partial<Record<Interceptor, Figures>> = {};
    const shots: Partial<Record<Interceptor, Buffer>> = {};

    for (const interceptor of ['textbook', 'library'] as const) {
      await choose(page, interceptor);
      await page.getByRole('button', { name: 'Break access token' }).click();
      const send = await prepareBatch(page, 20);
      wire.clear();
      await send.click();
      const { served, pending } = await outcome(page, 20, 10_000);
      figures[interceptor] = { refreshes: wire.refreshes(), refused: wire.refused(), served, pending };
      shots[interceptor] = await page.locator('section.timeline').screenshot();
    }
    console.log(`compare mode, 20 staggered, one tab: ${JSON.stringify(figures)}`);

    expect(figures.textbook?.refreshes).toBeGreaterThan(1);
    expect(figures.library).toEqual({ refreshes: 1, refused: 0, served: 20, pending: 0 });
    await sideBySide(page, shots, 'compare-side-by-side.png');
  });

  test('a refused refresh: the textbook interceptor leaves the waiting requests hanging, ours fails them and signs out once', async ({
    page,
    context,
  }) => {
    const wire = watchWire(context);
    await signIn(page);
    await choose(page, 'textbook');
    await page.getByRole('button', { name: 'Break both tokens' }).click();
    const send = await prepareBatch(page, 5);
    wire.clear();
    await send.click();
    const textbook = await outcome(page, 5, 3_000);
    console.log(`compare mode, refused refresh, textbook: ${JSON.stringify({ refreshes: wire.refreshes(), ...textbook })}`);
    // The one that started the refresh fails; the four that waited for it never settle.
    expect(textbook).toEqual({ served: 0, pending: 4 });
    await page.screenshot({ path: join(ARTIFACTS, 'compare-refused-textbook.png'), fullPage: true });

    await signIn(page);
    await choose(page, 'library');
    await page.getByRole('button', { name: 'Break both tokens' }).click();
    const again = await prepareBatch(page, 5);
    wire.clear();
    await again.click();
    await expect(page).toHaveURL(/\/login/);
    expect({ refreshes: wire.refreshes(), refused: wire.refused() }).toEqual({ refreshes: 1, refused: 1 });
  });

  test('two tabs, each sending twenty staggered requests on the same broken token', async ({ page, context }) => {
    const wire = watchWire(context);
    await signIn(page);
    const other = await context.newPage();
    await other.goto('/');
    await expect(other.getByTestId('resource')).toHaveText(RESOURCE);
    const tabs = [page, other];
    const figures: Partial<Record<Interceptor, Figures>> = {};

    // Ours first: the textbook's run may end the session.
    for (const interceptor of ['library', 'textbook'] as const) {
      for (const tab of tabs) {
        await choose(tab, interceptor);
        await tab.getByRole('button', { name: 'Break access token' }).click();
      }
      const sends = await Promise.all(tabs.map((tab) => prepareBatch(tab, 20)));
      wire.clear();
      await Promise.all(sends.map((send) => send.click()));
      await wire.quiet(2_000);
      const signedOut = tabs.filter((tab) => new URL(tab.url()).pathname === '/login').length;
      figures[interceptor] = { refreshes: wire.refreshes(), refused: wire.refused(), served: wire.served(), signedOut };
    }
    // What the textbook interceptor does here is measured, not scripted; the note quotes it.
    console.log(`compare mode, 20 staggered in each of two tabs: ${JSON.stringify(figures)}`);
    expect(figures.library).toEqual({ refreshes: 1, refused: 0, served: 40, signedOut: 0 });
  });
});

/** Saves the two timelines next to each other, as docs/compare-mode.png shows them. */
async function sideBySide(page: Page, shots: Partial<Record<Interceptor, Buffer>>, name: string): Promise<void> {
  const image = (label: string, shot: Buffer | undefined) =>
    `<figure><figcaption>${label}</figcaption><img src="data:image/png;base64,${shot?.toString('base64')}"></figure>`;
  await page.setContent(
    `<style>body{margin:0;display:flex;gap:16px;padding:16px;font:600 15px system-ui;background:#f1f5f9}` +
      `figure{margin:0;flex:1}img{width:100%;border:1px solid #cbd5e1}</style>` +
      image('Textbook interceptor (isRefreshing + BehaviorSubject)', shots.textbook) +
      image('angular-token-refresh', shots.library),
  );
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
}
