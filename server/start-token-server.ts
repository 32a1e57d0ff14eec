import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running token server on loopback; `stop()` ends it and deletes its data. */
export interface TokenServer {
  readonly url: string;
  stop(): Promise<void>;
}

const ROOT = join(__dirname, '..');

/** Starts `server/main.ts` on a free 127.0.0.1 port with a fresh DATA_DIR and silent logs, plus `env`; resolves once /healthz answers. */
export async function startTokenServer(env: Record<string, string> = {}): Promise<TokenServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'atr-bench-data-'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match) {
          resolve(match[1]);
        }
      });
      void exited.then(() => reject(new Error(`Token server exited before listening: ${output}`)));
    });
    const healthy = await fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (!healthy) {
      throw new Error(`Token server at ${url} does not answer /healthz`);
    }
    return { url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
