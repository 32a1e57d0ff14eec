// `npm run bench`: builds the app, the harness and a fresh `ng new` app, runs its seven parts in one go,
// prints one Markdown table per part under a machine header, and writes bench/results.json.
import { chromium } from '@playwright/test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CHROMIUM_FLAGS, systemChromium } from '../system-chromium';
import { packLibrary } from '../.ci/pack-lib';
import { NGINX_MISSING, findNginx } from '../e2e/proxy/find-nginx';
import { type ReverseProxy, startReverseProxy } from '../e2e/proxy/reverse-proxy';
import { buildFreshApps } from './build-fresh-app';
import { benchBundleSize } from './bundle-size';
import { describeMachine, type Machine } from './describe-machine';
import { benchHeapLeak } from './heap-leak';
import { benchInterceptorOverhead } from './interceptor-overhead';
import { ngBuild } from './ng-build';
import { formatPart, type PartResult } from './part-result';
import { benchRefreshStorm } from './refresh-storm';
import { benchRotationThroughput } from './rotation-throughput';
import { benchServerThroughput } from './server-throughput';
import { benchSignInFlood } from './sign-in-flood';
import { startTokenServer } from '../server/start-token-server';

const ROOT = join(__dirname, '..');
const LOAD_SECONDS = Number(process.env['BENCH_LOAD_SECONDS'] ?? 10);

async function main(): Promise<void> {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'atr-bench-'));
  const browser = await chromium.launch({
    executablePath: systemChromium(),
    args: [...CHROMIUM_FLAGS, '--js-flags=--expose-gc'],
    headless: true,
  });
  try {
    const machine = describeMachine(browser.version());
    console.log(formatMachine(machine));

    step('Building the app, the harness, the library and a fresh `ng new` app three ways (production)');
    const appDir = join(work, 'app');
    const harnessDir = join(work, 'harness');
    await ngBuild(ROOT, ['demo', '--output-path', appDir]);
    await buildHarness(harnessDir);
    // The same harness on zone.js, for part 1's zone.js rows.
    const harnessZoneDir = join(work, 'harness-zone');
    await buildHarness(harnessZoneDir, ['--polyfills', 'zone.js']);
    packLibrary();
    const freshApps = await buildFreshApps(work);

    const parts: Record<string, PartResult> = {};
    const report = (key: string, part: PartResult) => {
      parts[key] = part;
      console.log(`\n${formatPart(part)}`);
    };
    // The harness is served by the real token server, so it is same-origin with the API like the app is; nginx in
    // front of the same server serves it over HTTP/2 too, where nginx is installed.
    const server = await startTokenServer({
      STATIC_DIR: join(harnessDir, 'browser'),
      REFRESH_RATE_LIMIT: '0',
      ACCESS_TOKEN_TTL_SECONDS: '3600',
      TRUST_PROXY: '1',
      // Bearer tokens as before, and DPoP-bound ones for the storm's withDPoP() rows.
      DPOP: 'optional',
    });
    let proxy: ReverseProxy | null = null;
    try {
      proxy = findNginx() ? await startReverseProxy([server.url]) : null;
      step('1/7 interceptor overhead, zoneless and on zone.js');
      const zoneServer = await startTokenServer({ STATIC_DIR: join(harnessZoneDir, 'browser') });
      try {
        report('interceptorOverhead', await benchInterceptorOverhead(browser, { zoneless: server.url, 'zone.js': zoneServer.url }));
      } finally {
        await zoneServer.stop();
      }
      step(`2/7 refresh storm${proxy ? ', direct and through nginx (HTTP/2)' : `, direct only: ${NGINX_MISSING}`}`);
      report('refreshStorm', await benchRefreshStorm(browser, server.url, proxy?.url ?? null));
    } finally {
      await proxy?.stop();
      await server.stop();
    }
    step(`3/7 server throughput (${LOAD_SECONDS} s per endpoint)`);
    report('serverThroughput', await benchServerThroughput(LOAD_SECONDS));
    step('4/7 bundle');
    report('bundle', benchBundleSize(join(appDir, 'browser'), freshApps));
    step('5/7 leak check');
    const leakServer = await startTokenServer({ STATIC_DIR: join(harnessDir, 'browser') });
    try {
      report('leakCheck', await benchHeapLeak(browser, leakServer.url));
    } finally {
      await leakServer.stop();
    }
    step('6/7 password hashing under a sign-in flood');
    report('signInFlood', await benchSignInFlood(LOAD_SECONDS));
    step(`7/7 refresh rotations on SQLite and PostgreSQL (${LOAD_SECONDS} s each)`);
    report('rotations', await benchRotationThroughput(LOAD_SECONDS));

    const seconds = Math.round((Date.now() - started) / 1000);
    const file = join(__dirname, 'results.json');
    writeFileSync(file, `${JSON.stringify({ date: new Date(started).toISOString(), machine, totalSeconds: seconds, parts }, null, 2)}\n`);
    console.log(`Done in ${seconds} s. Results: ${file}`);
  } finally {
    await browser.close();
    rmSync(work, { recursive: true, force: true });
  }
}

function formatMachine(machine: Machine): string {
  return [
    '## Benchmark machine',
    '',
    `- CPU: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB RAM, ${machine.os}`,
    `- Node ${machine.node}, Chromium ${machine.chromium} (headless), Angular ${machine.angular}`,
  ].join('\n');
}

function step(message: string): void {
  console.error(`… ${message}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

/** Builds the bench harness (bench/harness, production) into `out`, with `extra` arguments for `ng build`. */
function buildHarness(out: string, extra: string[] = []): Promise<void> {
  const entry = ['--browser', 'bench/harness/main.ts', '--ts-config', 'bench/tsconfig.harness.json', '--index', 'bench/harness/index.html'];
  return ngBuild(ROOT, ['demo', ...entry, ...extra, '--output-path', out]);
}
