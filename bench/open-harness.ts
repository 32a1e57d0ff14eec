import type { Browser, Page } from '@playwright/test';

/** Opens the harness page in a fresh browser context (empty storage) and waits until `window.bench` is ready. */
export async function openHarness(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`harness page error: ${error.message}`));
  await page.goto(url);
  await page.waitForFunction(() => 'bench' in window);
  return page;
}
