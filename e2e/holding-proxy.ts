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
