import { Page } from '@playwright/test';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A proxy in front of the token server that can hold refresh answers, as a slow network holds them. */
export interface HoldingProxy {
  /** The proxy's origin, for the page to load the app from. */
  readonly origin: string;
  /** Holds each refresh answer (already made by the server) for `ms` while true. */
  holdRefreshes: boolean;
  /** Closes the proxy and its connections. */
  close(): Promise<void>;
}

/** Starts a {@link HoldingProxy} in front of `serverUrl`, holding refresh answers `ms` when asked to. */
export async function startHoldingProxy(serverUrl: string, ms = 2_000): Promise<HoldingProxy> {
  const upstream = new URL(serverUrl);
  const proxy = createServer((req, res) => {
    const forward = request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        const send = () => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        };
        if (holding.holdRefreshes && req.url === '/authorization/refresh') setTimeout(send, ms);
        else send();
      },
    );
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const holding: HoldingProxy = {
    origin: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    holdRefreshes: false,
    close: async () => {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
  return holding;
}

/**
 * On the demo's home page: breaks the access token and sends requests, so a refresh leaves; once the server has
 * rotated, with its answer still held by `proxy`, reloads the page, which drops that answer.
 */
export async function reloadWhileRefreshHeld(page: Page, proxy: HoldingProxy): Promise<void> {
  proxy.holdRefreshes = true;
  // Listening before the clicks: the refresh may leave before a click returns.
  const refreshSent = page.waitForRequest((sent) => new URL(sent.url()).pathname === '/authorization/refresh');
  await page.getByRole('button', { name: 'Break access token' }).click();
  await page.getByRole('button', { name: 'Send 3 requests' }).click();
  await refreshSent;
  // Long enough for the server to rotate; its answer is still held.
  await page.waitForTimeout(300);
  await page.reload();
  proxy.holdRefreshes = false;
}
