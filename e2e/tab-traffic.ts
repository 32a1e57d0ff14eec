import { BrowserContext, Page } from '@playwright/test';

import { expect, signIn } from './fixtures';

/** How many tabs {@link browseFiveTabs} opens. */
const TABS = 5;
/** How long they browse (E2E_BROWSE_MS, 32 s by default). */
export const BROWSE_MS = Number(process.env['E2E_BROWSE_MS'] ?? 32_000);

/** What the demo shows for a served request. */
export const RESOURCE = 'protected resources, username: demo';

/** What the server answered to every refresh any tab of the context sent. */
export function recordRefreshes(context: BrowserContext): number[] {
  const statuses: number[] = [];
  context.on('response', (response) => {
    if (new URL(response.url()).pathname === '/authorization/refresh') {
      statuses.push(response.status());
    }
  });
  return statuses;
}

/** How one tab's requests ended, and whether the tab was sent to the login page. */
export interface Tally {
  served: number;
  failed: string[];
  signedOut: boolean;
}

/** Sends batches of 1–5 requests at random moments until `until`, and counts how each request ended. */
export async function browse(page: Page, until: number): Promise<Tally> {
  const tally: Tally = { served: 0, failed: [], signedOut: false };
  const items = page.getByRole('list', { name: 'Responses' }).getByRole('listitem');
  const texts = () => items.allInnerTexts();
  let n = 0;
  while (Date.now() < until) {
    await page.waitForTimeout(Math.random() * 300);
    // Never the previous batch's size, so its finished list cannot pass for this batch's.
    n = 1 + ((n + Math.floor(Math.random() * 4)) % 5);
    try {
      await page.getByLabel('Requests').fill(String(n), { timeout: 10_000 });
      // By the label for n, so the click waits until the page will send n: a batch of another size would be miscounted.
      await page.getByRole('button', { name: `Send ${n} ${n === 1 ? 'request' : 'requests'}`, exact: true }).click({ timeout: 10_000 });
      // Until the list is this batch's n responses, all settled: not the empty list's placeholder, nor a half-settled list.
      const settled = async () => (await texts()).map((text) => (/^#\d/.test(text) && !text.includes('pending…') ? 'settled' : text));
      await expect.poll(settled, { timeout: 30_000 }).toEqual(Array(n).fill('settled'));
    } catch (error) {
      if (page.url().includes('/login')) {
        tally.signedOut = true;
        return tally;
      }
      throw error;
    }
    for (const text of await texts()) {
      if (text.includes(RESOURCE)) {
        tally.served++;
      } else {
        tally.failed.push(text);
      }
    }
  }
  return tally;
}

/**
 * Signs in on `page`, opens four more tabs, lets all five send requests at random for {@link BROWSE_MS}, and expects
 * no refused refresh, no tab on /login, no failed request, and steady traffic; `label` names the run in the log.
 */
export async function browseFiveTabs(page: Page, context: BrowserContext, label: string): Promise<void> {
  const refreshes = recordRefreshes(context);
  await signIn(page);
  const tabs = [page];
  for (let i = 1; i < TABS; i++) {
    const tab = await context.newPage();
    await tab.goto('/');
    await expect(tab.getByTestId('resource')).toHaveText(RESOURCE);
    tabs.push(tab);
  }

  const until = Date.now() + BROWSE_MS;
  const tallies = await Promise.all(tabs.map((tab) => browse(tab, until)));

  const served = tallies.reduce((sum, tally) => sum + tally.served, 0);
  const made = refreshes.filter((status) => status === 200).length;
  const rejected = refreshes.filter((status) => status !== 200);
  const signedOut = tallies.filter((tally) => tally.signedOut).length;
  console.log(
    `five tabs ${label}: ${made} refreshes made, ${rejected.length} rejected, ${served} requests served, ${signedOut} tabs on /login`,
  );
  expect(rejected).toEqual([]);
  expect(signedOut).toBe(0);
  expect(tallies.flatMap((tally) => tally.failed)).toEqual([]);
  // 4-second tokens over 30 s: the tabs refreshed again and again, and served a steady stream of requests.
  expect(made).toBeGreaterThanOrEqual(BROWSE_MS / 4_000);
  expect(served).toBeGreaterThan(TABS * 10);
}
