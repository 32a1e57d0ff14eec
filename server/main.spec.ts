import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { signInOver } from './start-token-server';

describe('main', () => {
  let dataDir: string;
  let child: ChildProcessWithoutNullStreams;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'token-main-'));
  });

  afterEach(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  function start(env: Record<string, string>, entry = 'main.ts'): ChildProcessWithoutNullStreams {
    return spawn(process.execPath, ['--import', 'tsx', join(__dirname, entry)], {
      // Only what Node needs from the outer environment, so a HOST or JWT_SECRET in the shell cannot leak in.
      env: { PATH: process.env['PATH'] ?? '', DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env },
    });
  }

  function output(stream: NodeJS.ReadableStream, until: RegExp): Promise<string> {
    return new Promise((resolve) => {
      let text = '';
      stream.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (until.test(text)) resolve(text);
      });
      stream.on('end', () => resolve(text));
    });
  }

  function exitCode(process: ChildProcessWithoutNullStreams): Promise<number | null> {
    return new Promise((resolve) => process.once('exit', (code) => resolve(code)));
  }

  describe('when started with PORT=0', () => {
    it('prints the actual URL and the demo credentials, serves, and exits 0 on SIGTERM', async () => {
      child = start({ PORT: '0' });
      const exited = exitCode(child);

      const stdout = await output(child.stdout, /Demo credentials: .*\n/);
      const port = Number(/Token server listening on http:\/\/localhost:(\d+)\n/.exec(stdout)?.[1]);
      const health = await fetch(`http://localhost:${port}/healthz`);
      child.kill('SIGTERM');

      expect(port).toBeGreaterThan(0);
      expect(stdout).toContain('Demo credentials: demo / demo-password');
      expect(await health.json()).toEqual({ status: 'ok' });
      expect(await exited).toBe(0);
    }, 20_000);
  });

  /** Starts the server (or the cluster), waits for its URL and signs in as the demo user. */
  async function startSignedIn(
    env: Record<string, string>,
    entry?: string,
  ): Promise<{ url: string; token: string; stdout: Promise<string> }> {
    child = start({ PORT: '0', HOST: '127.0.0.1', ...env }, entry);
    const stdout = output(child.stdout, /Demo credentials: .*\n/);
    const url = /listening on (http:\/\/\S+)/.exec(await stdout)![1];
    return { url, token: (await signInOver(url)).authorizationToken, stdout };
  }

  describe('when SIGTERM arrives with a request in flight', () => {
    it('answers it, refuses new connections, then exits 0', async () => {
      const { url, token } = await startSignedIn({});
      const exited = exitCode(child);

      const slow = fetch(`${url}/api/resources?delay=1500`, { headers: { Authorization: `Bearer ${token}` } });
      await new Promise((resolve) => setTimeout(resolve, 300));
      child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 300));

      await expectAsync(fetch(`${url}/healthz`)).toBeRejected();
      expect((await slow).status).toBe(200);
      expect(await exited).toBe(0);
    }, 20_000);
  });

  /**
   * How many cluster workers `pid` runs, read from /proc: its children that run main.ts. Not every child: with a cold
   * cache, tsx in the primary starts an esbuild service process too.
   */
  function workersOf(pid: number): number {
    const worker = join(__dirname, 'main.ts');
    return readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .filter((entry) => {
        try {
          // Field 4 of /proc/<pid>/stat is the parent's pid; the command name before it is in parentheses.
          const parent = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
          return parent === pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(worker);
        } catch {
          return false;
        }
      }).length;
  }

  describe('serve:cluster', () => {
    it('serves from WORKERS processes on one port, and drains them all on SIGTERM', async () => {
      const { url, token } = await startSignedIn({ WORKERS: '2' }, 'cluster.ts');
      const exited = exitCode(child);

      const answers = await Promise.all(
        Array.from({ length: 8 }, () => fetch(`${url}/api/resources?delay=1000`, { headers: { Authorization: `Bearer ${token}` } })),
      );
      const slow = fetch(`${url}/api/resources?delay=1500`, { headers: { Authorization: `Bearer ${token}` } });
      await new Promise((resolve) => setTimeout(resolve, 300));
      child.kill('SIGTERM');

      expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(200));
      // Linux shows the process tree in /proc; elsewhere the answers alone must do.
      if (existsSync('/proc/self/stat')) expect(workersOf(child.pid!)).toBe(2);
      expect((await slow).status).toBe(200);
      expect(await exited).toBe(0);
    }, 30_000);

    it('stops with exit code 1, instead of restarting workers forever, when they cannot start', async () => {
      child = start({ WORKERS: '2', JWT_ALG: 'RS256' }, 'cluster.ts');
      const exited = exitCode(child);

      const stderr = await output(child.stderr, /failed to start/);

      expect(stderr).toContain('Invalid JWT_ALG');
      expect(await exited).toBe(1);
    }, 20_000);
  });

  describe('when the port is taken', () => {
    it('exits 1 with a message that says it could not listen', async () => {
      const blocker = createServer().listen(0, 'localhost');
      await new Promise((resolve) => blocker.once('listening', resolve));
      child = start({ PORT: String((blocker.address() as AddressInfo).port), HOST: 'localhost' });
      const exited = exitCode(child);

      const stderr = await output(child.stderr, /\n/);
      blocker.close();

      expect(stderr).toContain('Token server could not listen on localhost:');
      expect(stderr).not.toContain('TypeError');
      expect(await exited).toBe(1);
    }, 20_000);
  });

  describe('when DEMO_PASSWORD is set', () => {
    it('never prints it', async () => {
      child = start({ PORT: '0', HOST: 'localhost', DEMO_PASSWORD: 'hunter2-secret' });
      const exited = exitCode(child);

      const stdout = await output(child.stdout, /Demo user: .*\n/);
      child.kill('SIGTERM');

      expect(stdout).toContain('Demo user: demo (password from DEMO_PASSWORD)');
      expect(stdout).not.toContain('hunter2-secret');
      expect(await exited).toBe(0);
    }, 20_000);
  });

  describe('when the configuration is invalid', () => {
    it('exits 1 with a message naming the variable', async () => {
      child = start({ ACCESS_TOKEN_TTL_SECONDS: 'soon' });
      const exited = exitCode(child);

      const stderr = await output(child.stderr, /\n/);

      expect(stderr).toContain('Invalid ACCESS_TOKEN_TTL_SECONDS');
      expect(await exited).toBe(1);
    }, 20_000);
  });
});
