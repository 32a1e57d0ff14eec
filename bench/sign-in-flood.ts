import autocannon, { type Result } from 'autocannon';

import { formatPart, type PartResult } from './part-result';
import { startTokenServer } from '../server/start-token-server';

const FLOOD = 200;
const CONNECTIONS = 10;
const RUNS = 3;
const JSON_HEADERS = { 'content-type': 'application/json' };
const CREDENTIALS = JSON.stringify({ userName: 'demo', password: 'demo-password' });

/**
 * Part 6: what password hashing costs and what a flood of sign-ins does to everyone else. Sign-in throughput, then
 * `/healthz` latency alone and while 200 sign-ins with distinct user names are queued, and how long a legitimate
 * sign-in takes meanwhile. Each figure is the median of `RUNS` runs.
 */
export async function benchSignInFlood(seconds: number): Promise<PartResult> {
  const server = await startTokenServer({ REFRESH_RATE_LIMIT: '0', LOGIN_MAX_FAILURES: '1000000' });
  try {
    const load = (url: string, duration: number, extra: Partial<autocannon.Options> = {}) =>
      autocannon({ connections: CONNECTIONS, duration, ...extra, url });
    const signIns: Result[] = [];
    const quiet: Result[] = [];
    const flooded: { health: Result; legitimateMs: number; statuses: Record<number, number> }[] = [];
    for (let run = 0; run < RUNS; run++) {
      signIns.push(await load(`${server.url}/authorization/token`, seconds, { method: 'POST', headers: JSON_HEADERS, body: CREDENTIALS }));
      quiet.push(await load(`${server.url}/healthz`, 2));
      flooded.push(await underFlood(server.url, () => load(`${server.url}/healthz`, 2)));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const figures = {
      signInsPerSecond: median(signIns.map((result) => result.requests.average)),
      healthP99QuietMs: median(quiet.map((result) => result.latency.p99)),
      healthP99FloodedMs: median(flooded.map((run) => run.health.latency.p99)),
      legitimateSignInMs: median(flooded.map((run) => run.legitimateMs)),
      floodStatuses: flooded.at(-1)!.statuses,
    };
    return {
      title: `6. Password hashing under a sign-in flood (median of ${RUNS} runs, loopback)`,
      headers: ['Figure', 'Value'],
      rows: [
        [`POST /authorization/token, ${CONNECTIONS} connections, ${seconds} s`, `${figures.signInsPerSecond.toFixed(0)} req/s`],
        ['GET /healthz p99, quiet', `${figures.healthP99QuietMs} ms`],
        [`GET /healthz p99, while ${FLOOD} sign-ins are queued`, `${figures.healthP99FloodedMs} ms`],
        ['A legitimate sign-in started 50 ms into the flood', `${figures.legitimateSignInMs.toFixed(0)} ms`],
        [
          'How the flood was answered (last run)',
          Object.entries(figures.floodStatuses)
            .map(([status, count]) => `${count} × ${status}`)
            .join(', '),
        ],
      ],
      notes: [
        `The flood: ${FLOOD} sign-ins at once, each with its own unknown user name, so each costs one full password check.`,
        'autocannon and the flood run in the bench process on the same machine as the server, so they compete for the CPU cores.',
      ],
      data: figures,
    };
  } finally {
    await server.stop();
  }
}

/** Fires the flood, runs `measure` alongside it, and times a legitimate sign-in started 50 ms in. */
async function underFlood(url: string, measure: () => Promise<Result>) {
  const signIn = (userName: string, password: string) =>
    fetch(`${url}/authorization/token`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ userName, password }) }).then(
      (response) => response.status,
      () => 0,
    );
  const flood = Promise.all(Array.from({ length: FLOOD }, (_, i) => signIn(`flood-${i}`, 'wrong password')));
  const health = measure();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const started = performance.now();
  await signIn('demo', 'demo-password');
  const legitimateMs = performance.now() - started;
  const statuses: Record<number, number> = {};
  for (const status of await flood) statuses[status] = (statuses[status] ?? 0) + 1;
  return { health: await health, legitimateMs, statuses };
}

if (require.main === module) {
  benchSignInFlood(Number(process.env['BENCH_LOAD_SECONDS'] ?? 10)).then(
    (part) => console.log(formatPart(part)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
