import { BrowserContext, Page } from '@playwright/test';

import { expect, send, stats } from './oauth-fixtures';
import type { Stats } from './oauth-server';

const TABS = 5;

/**
 * Signs in with `signIn`, opens four more tabs, and has all five send requests at random over four lifetimes of
 * 4-second tokens: one single-use refresh token at a time, never `invalid_grant`, every request served.
 */
export async function fiveBusyTabs(page: Page, context: BrowserContext, signIn: (page: Page) => Promise<unknown>): Promise<Stats> {
  await signIn(page);
  await page.request.post('/test/reset');
  const tabs: Page[] = [page];
  for (let i = 1; i < TABS; i++) {
    const tab = await context.newPage();
    await tab.goto('/');
    await expect(tab.getByRole('heading')).toHaveText('Signed in as ada');
    tabs.push(tab);
  }

  // 16 s, four lifetimes: the tabs take turns at random, each sending a burst of 1–4 requests, 100–400 ms apart.
  const deadline = Date.now() + 16_000;
  const sent = new Map(tabs.map((tab) => [tab, 0]));
  while (Date.now() < deadline) {
    const tab = tabs[Math.floor(Math.random() * TABS)];
    const count = 1 + Math.floor(Math.random() * 4);
    await send(tab, count, 0);
    sent.set(tab, sent.get(tab)! + count);
    await page.waitForTimeout(100 + Math.random() * 300);
  }
  // Every request answered, in every tab.
  for (const tab of tabs) {
    await expect(tab.getByTestId('result')).toHaveCount(sent.get(tab)!);
  }
  const results = (await Promise.all(tabs.map((tab) => tab.getByTestId('result').allTextContents()))).flat();
  const final = await stats(page);
  console.log(
    `${TABS} tabs, 16 s of 4-second tokens: ${results.length} requests, ${final.refresh.succeeded} refreshes, failures ${JSON.stringify(final.refresh.failed)}, DPoP proofs ${final.dpop.proofs} (nonce resends ${final.dpop.nonceChallenges})`,
  );

  expect(final.refresh.failed).toEqual({});
  expect(final.grantsRevoked).toBe(0);
  expect(final.refresh.succeeded).toBeGreaterThanOrEqual(3);
  expect(results.filter((status) => status !== '200')).toEqual([]);
  for (const tab of tabs) {
    await expect(tab).toHaveURL(/\/$/);
  }
  return final;
}
