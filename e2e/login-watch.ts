import { Page } from '@playwright/test';

/**
 * From the first byte of every later document of `page`, records each moment the login page or its URL shows, however
 * briefly; resolves a reader of what was seen.
 */
export async function watchForLoginPage(page: Page): Promise<() => Promise<string[]>> {
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
  return () => page.evaluate(() => (window as unknown as { seen: string[] }).seen);
}
