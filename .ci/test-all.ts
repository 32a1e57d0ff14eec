// `npm test`: lints, type-checks, runs the server specs, the schematic specs, the Karma unit specs and the Playwright e2e suite,
// then prints one line that sums them all: "N passed, N failed".
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A suite's results. `pending` tests did not run (a service this machine lacks); `reasons` says why, where the report tells. */
interface Counts {
  passed: number;
  failed: number;
  pending?: number;
  reasons?: string[];
}

interface Suite {
  readonly name: string;
  readonly command: string[];
  readonly env?: Record<string, string>;
  /** Reads the suite's counts from the report it wrote; without it the suite is one check. */
  readonly count?: (report: string) => Counts;
}

/** The part of Playwright's JSON report that says why tests were skipped. */
interface PlaywrightSuite {
  specs: { tests: { status: string; annotations: { type: string; description?: string }[] }[] }[];
  suites?: PlaywrightSuite[];
}

const root = join(__dirname, '..');
const node = process.execPath;
/** Where each suite writes its machine-readable report (Jasmine and Karma through SPEC_COUNTS_FILE, Playwright as JSON). */
const reportFile = join(tmpdir(), `atr-test-report-${process.pid}.json`);
const counts: Suite['count'] = (report) => JSON.parse(report);
const karmaCounts: Suite['count'] = (report) => {
  const { total, passed, failed, skipped } = JSON.parse(report);
  // Specs that neither passed nor were skipped failed or never ran (a crash, a disconnect): all count as failed.
  return { passed, failed: Math.max(failed, total - passed - skipped) };
};

const suites: Suite[] = [
  {
    name: 'lint (ESLint, Prettier)',
    command: ['npm', 'run', '--silent', 'lint'],
  },
  {
    name: 'docs (links, shared snippets)',
    command: [node, '--import', 'tsx', '.ci/check-docs.ts'],
  },
  {
    name: 'type check (server, e2e, bench, .ci, schematics)',
    command: ['npm', 'run', '--silent', 'typecheck'],
  },
  {
    name: 'server specs',
    command: [node, '--import', 'tsx', 'node_modules/jasmine/bin/jasmine.js', '--config=server/jasmine.json'],
    env: { SPEC_COUNTS_FILE: reportFile },
    // Pending specs did not pass, so they are not counted as passed.
    count: counts,
  },
  {
    // `ng add`: the schematic on workspaces made by @schematics/angular (standalone and NgModule), edge cases and refusals.
    name: 'schematic specs',
    command: [
      node,
      '--import',
      'tsx',
      'node_modules/jasmine/bin/jasmine.js',
      '--config=projects/angular-token-refresh/schematics/jasmine.json',
    ],
    env: { SPEC_COUNTS_FILE: reportFile },
    count: counts,
  },
  {
    name: 'unit specs (Karma)',
    command: [node, 'node_modules/@angular/cli/bin/ng.js', 'test', 'demo', '--watch=false'],
    env: { SPEC_COUNTS_FILE: reportFile },
    count: karmaCounts,
  },
  {
    // The interceptor, cross-tab and scheduler specs again, in a zone.js TestBed: callbacks in the Angular zone, a stable app.
    name: 'unit specs under zone.js (Karma)',
    command: [node, 'node_modules/@angular/cli/bin/ng.js', 'test', 'demo', '--watch=false', '--configuration=zone'],
    env: { SPEC_COUNTS_FILE: reportFile },
    count: karmaCounts,
  },
  {
    name: 'end-to-end (Playwright)',
    command: [node, 'node_modules/@playwright/test/cli.js', 'test', '--config=e2e/playwright.config.ts', '--reporter=list,json'],
    env: { PLAYWRIGHT_JSON_OUTPUT_NAME: reportFile },
    count: (report) => {
      const { stats, suites } = JSON.parse(report);
      return { passed: stats.expected + stats.flaky, failed: stats.unexpected, pending: stats.skipped, reasons: skipReasons(suites) };
    },
  },
];

function run(suite: Suite): Promise<number> {
  return new Promise((resolve) => {
    const [command, ...args] = suite.command;
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...suite.env }, stdio: 'inherit' });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

/** The distinct reasons that `test.skip(condition, reason)` gave for the skipped tests of a Playwright report. */
function skipReasons(suites: PlaywrightSuite[]): string[] {
  const tests = (suite: PlaywrightSuite): PlaywrightSuite['specs'][number]['tests'] => [
    ...suite.specs.flatMap((spec) => spec.tests),
    ...(suite.suites ?? []).flatMap(tests),
  ];
  const skipped = suites.flatMap(tests).filter((test) => test.status === 'skipped');
  const reasons = skipped.flatMap((test) =>
    test.annotations.flatMap((note) => (note.type === 'skip' && note.description ? [note.description] : [])),
  );
  return [...new Set(reasons)];
}

/** The suite's counts from its report, or `null` when it wrote none (a compile error, a crash) or an unreadable one. */
function readCounts(suite: Suite): Counts | null {
  try {
    return suite.count ? suite.count(readFileSync(reportFile, 'utf8')) : null;
  } catch {
    return null;
  } finally {
    rmSync(reportFile, { force: true });
  }
}

async function main(): Promise<void> {
  const rows: string[] = [];
  let passed = 0;
  let failed = 0;
  for (const suite of suites) {
    console.log(`\n=== ${suite.name} ===`);
    const started = Date.now();
    const code = await run(suite);
    // Without counts (a check like lint, or a suite that crashed before reporting) the exit code makes it one result.
    const result: Counts = readCounts(suite) ?? { passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1 };
    if (code !== 0 && result.failed === 0) {
      result.failed = 1;
    }
    passed += result.passed;
    failed += result.failed;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    // Skipped specs (a service this machine lacks) are named, so a green run never hides what did not run.
    const reasons = result.reasons?.length ? result.reasons.join('; ') : 'their reasons are under "Pending" above';
    const skipped = result.pending ? `, ${result.pending} skipped (${reasons})` : '';
    rows.push(`${code === 0 ? 'ok  ' : 'FAIL'}  ${suite.name}: ${result.passed} passed, ${result.failed} failed${skipped} (${seconds} s)`);
  }
  console.log(`\n=== summary ===\n${rows.join('\n')}\n`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

void main();
