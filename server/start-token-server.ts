import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { TokenResponse } from './auth/token-service';
import { ListeningProcess, spawnListening } from './spawn-listening';

/** A token server running as its own process on loopback; `stop()` ends it and deletes its data. */
export interface TokenServer {
  readonly url: string;
  /** Its DATA_DIR, fresh for this server. */
  readonly dataDir: string;
  stop(): Promise<void>;
}

const ROOT = join(__dirname, '..');

/**
 * For e2e and bench: starts `server/main.ts` (`server/cluster.ts` when `env` sets WORKERS) on a free 127.0.0.1 port with a fresh DATA_DIR and silent logs, plus
 * `env`; `prepare` runs on the DATA_DIR first (to seed users, say). Resolves once /healthz answers. Only PATH comes
 * from the outer environment, so a HOST, JWT_SECRET or TTL set in the shell cannot change the server under test.
 */
export async function startTokenServer(
  env: Record<string, string> = {},
  prepare?: (dataDir: string) => Promise<void>,
): Promise<TokenServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'atr-server-'));
  await prepare?.(dataDir);
  const removeData = () => rmSync(dataDir, { recursive: true, force: true });
  let server: ListeningProcess;
  try {
    server = await spawnListening(
      // WORKERS asks for several processes on one port, as `npm run serve:cluster` runs them.
      ['--import', 'tsx', join(ROOT, env['WORKERS'] ? 'server/cluster.ts' : 'server/main.ts')],
      { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env },
      ROOT,
    );
  } catch (error) {
    removeData();
    throw error;
  }
  const stop = async () => {
    await server.stop();
    removeData();
  };
  try {
    await waitForHealth(server.url);
    return { url: server.url, dataDir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Signs in over HTTP at the token server at `url` (as the demo user unless told); throws on anything but 200. */
export async function signInOver(url: string, credentials = { userName: 'demo', password: 'demo-password' }): Promise<TokenResponse> {
  const response = await fetch(`${url}/authorization/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(credentials),
  });
  if (!response.ok) throw new Error(`Sign-in at ${url} failed with ${response.status}`);
  return (await response.json()) as TokenResponse;
}

async function waitForHealth(url: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const healthy = await fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Token server at ${url} never answered /healthz`);
}
