import { expect, signIn, storedTokens, test } from './fixtures';

const RESOURCE = 'protected resources, username: demo';
/** The library's default `refreshAbandonMs`, which the demo keeps. */
const REFRESH_ABANDON_MS = 60_000;

test('a tab paused after its refresh reached the server keeps the answer on resume: no spent token is presented', async ({
  page,
  context,
}) => {
  // Paused past the abandon time, so the tab resumes with that timer long overdue; its sibling waits on the Web Lock.
  test.setTimeout(REFRESH_ABANDON_MS + 60_000);
  const presented: string[] = [];
  context.on('request', (sent) => new URL(sent.url()).pathname === '/authorization/refresh' && presented.push(sent.postData() ?? ''));
  await signIn(page);
  const other = await context.newPage();
  await other.goto('/');
  await expect(other.getByTestId('resource')).toHaveText(RESOURCE);

  // The first tab's refresh reaches the server, which rotates; its answer reaches the tab just after it resumes,
  // behind its long-overdue abandon timer, as a frozen tab's network data does.
  let rotated: () => void = () => undefined;
  const serverRotated = new Promise<void>((resolve) => (rotated = resolve));
  let answer: () => void = () => undefined;
  const answerReleased = new Promise<void>((resolve) => (answer = resolve));
  await page.route('**/authorization/refresh', async (route) => {
    const response = await route.fetch();
    rotated();
    await answerReleased;
    await route.fulfill({ response });
  });
  await page.getByRole('button', { name: 'Break access token' }).click();
  await page.getByRole('button', { name: 'Send 3 requests' }).click();
  await serverRotated;
  const debuggerSession = await context.newCDPSession(page);
  await debuggerSession.send('Debugger.enable');
  await debuggerSession.send('Debugger.pause');
  // Meanwhile the other tab's token is refused too, and its refresh waits for the paused tab's lock.
  await other.getByRole('button', { name: 'Break access token' }).click();
  await other.getByRole('button', { name: 'Send 3 requests' }).click();
  await new Promise((resolve) => setTimeout(resolve, REFRESH_ABANDON_MS + 2_000));
  await debuggerSession.send('Debugger.resume');
  await new Promise((resolve) => setTimeout(resolve, 100));
  answer();

  // Both tabs go on with the one rotation the paused tab brought back; nobody presents its spent token again.
  await page.waitForTimeout(3_000);
  expect(presented).toHaveLength(1);
  for (const tab of [page, other]) {
    await expect(tab).toHaveURL(/\/$/);
    await tab.getByRole('button', { name: 'Send 3 requests' }).click();
    const served = tab.getByRole('list', { name: 'Responses' }).getByRole('listitem').filter({ hasText: RESOURCE });
    await expect(async () => expect(await served.count()).toBeGreaterThanOrEqual(3)).toPass();
  }
  expect(presented).toHaveLength(1);
  // One rotation (counter 1), adopted by both tabs.
  expect((await storedTokens(other))!.refreshToken.split('.')[1]).toBe('1');
});
