// `npm test`: lints, type-checks, runs the server specs, the Karma unit specs and the Playwright e2e suite,
// then prints one line that sums them all: "N passed, N failed".
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';

interface Suite {
  readonly name: string;
  readonly command: string[];
  readonly env?: Record<string, string>;
  /** Reads the suite's pass and fail counts from its output (`null` when it printed none); without it the suite is one check. */
  readonly count?: (output: string) => { passed: number; failed: number } | null;
}

const root = join(__dirname, '..');
const e2eReport = join(tmpdir(), `atr-e2e-report-${process.pid}.json`);
const node = process.execPath;

const suites: Suite[] = [
  {
    name: 'lint (ESLint, Prettier)',
    command: ['npm', 'run', '--silent', 'lint'],
  },
  {
    name: 'type check (server, e2e, bench, .ci)',
    command: ['npm', 'run', '--silent', 'typecheck'],
  },
  {
    name: 'server specs',
    command: [node, '--import', 'tsx', 'node_modules/jasmine/bin/jasmine.js', '--config=server/jasmine.json'],
    count: (output) => {
      // "12 specs, 1 failure, 2 pending specs": pending specs did not pass, so they are not counted as passed.
      const match = /(\d+) specs?, (\d+) failures?(?:, (\d+) pending specs?)?/.exec(output);
      if (!match) {
        return null;
      }
      const [total, failed, pending] = [match[1], match[2], match[3]].map((n) => Number(n ?? 0));
      return { passed: total - failed - pending, failed };
    },
  },
  {
    name: 'unit specs (Karma)',
    command: [node, 'node_modules/@angular/cli/bin/ng.js', 'test', '--watch=false'],
    count: (output) => {
      const matches = [...output.matchAll(/Executed (\d+) of (\d+)(?: \((\d+) FAILED\))?(?: \(skipped (\d+)\))?/g)];
      const last = matches.at(-1);
      if (!last) {
        return null;
      }
      const [executed, total, failed, skipped] = [last[1], last[2], last[3], last[4]].map((n) => Number(n ?? 0));
      // Specs neither executed nor skipped never ran (a crash or a disconnect): they count as failed.
      return { passed: executed - failed, failed: failed + total - executed - skipped };
    },
  },
  {
    name: 'end-to-end (Playwright)',
    command: [node, 'node_modules/@playwright/test/cli.js', 'test', '--config=e2e/playwright.config.ts', '--reporter=list,json'],
    env: { PLAYWRIGHT_JSON_OUTPUT_NAME: e2eReport },
    count: () => {
      try {
        const { stats } = JSON.parse(readFileSync(e2eReport, 'utf8'));
        return { passed: stats.expected + stats.flaky, failed: stats.unexpected };
      } catch {
        return null;
      }
    },
  },
];

function run(suite: Suite): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const [command, ...args] = suite.command;
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...suite.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const forward = (target: NodeJS.WriteStream) => (chunk: Buffer) => {
      output += chunk.toString();
      target.write(chunk);
    };
    child.stdout.on('data', forward(process.stdout));
    child.stderr.on('data', forward(process.stderr));
    child.on('close', (code) => resolve({ code: code ?? 1, output: stripVTControlCharacters(output) }));
  });
}

async function main(): Promise<void> {
  const rows: string[] = [];
  let passed = 0;
  let failed = 0;
  for (const suite of suites) {
    console.log(`\n=== ${suite.name} ===`);
    const started = Date.now();
    const { code, output } = await run(suite);
    // Without counts (a check like lint, or a suite that crashed before counting) the exit code makes it one result.
    const result = suite.count?.(output) ?? { passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1 };
    if (code !== 0 && result.failed === 0) {
      result.failed = 1;
    }
    passed += result.passed;
    failed += result.failed;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    rows.push(`${code === 0 ? 'ok  ' : 'FAIL'}  ${suite.name}: ${result.passed} passed, ${result.failed} failed (${seconds} s)`);
  }
  rmSync(e2eReport, { force: true });
  console.log(`\n=== summary ===\n${rows.join('\n')}\n`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

void main();
