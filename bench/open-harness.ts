import type { Browser, Page } from '@playwright/test';

/** Opens the harness page in a fresh browser context (empty storage) and waits until `window.bench` is ready. */
export async function openHarness(browser: Browser, url: string): Promise<Page> {
  // The reverse proxy's certificate is self-signed.
  const context = await browser.newContext({ ignoreHTTPSErrors: url.startsWith('https:') });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`harness page error: ${error.message}`));
  await page.goto(url);
  await page.waitForFunction(() => 'bench' in window);
  return page;
}
