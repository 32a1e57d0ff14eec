import { spawn } from 'node:child_process';

/** A server process that printed `listening on <url>`; `output` is everything it wrote so far. */
export interface ListeningProcess {
  readonly url: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * For e2e and bench: runs `node ...args` with exactly `env` (plus PATH) and resolves once it prints
 * `listening on <url>`; rejects with its output if it exits first. `stop()` sends SIGTERM and waits for the exit.
 */
export async function spawnListening(args: string[], env: Record<string, string>, cwd: string): Promise<ListeningProcess> {
  const child = spawn(process.execPath, args, { cwd, env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
  };
  const url = await new Promise<string>((resolve, reject) => {
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        resolve(match[1]);
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      collect(chunk);
    });
    void exited.then(() => reject(new Error(`${args.join(' ')} exited before listening:\n${output}`)));
  });
  return { url, output: () => output, stop };
}
