import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

  function start(env: Record<string, string>): ChildProcessWithoutNullStreams {
    return spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'main.ts')], {
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
