import { spawn } from 'node:child_process';
import { join } from 'node:path';

const NG = join(__dirname, '..', 'node_modules/@angular/cli/bin/ng.js');

/** Runs `ng build …args` (production configuration) in `cwd`; rejects with the CLI's output when it fails. */
export function ngBuild(cwd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [NG, 'build', '--progress=false', ...args], {
      cwd,
      env: { ...process.env, NG_CLI_ANALYTICS: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ng build ${args.join(' ')} failed:\n${output}`))));
  });
}
