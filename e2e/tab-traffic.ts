import { BrowserContext, Page } from '@playwright/test';

import { expect } from './fixtures';

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
