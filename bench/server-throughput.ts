import autocannon, { type Client, type Options, type Result } from 'autocannon';

import { PasswordHasher } from '../server/auth/password-hasher';
import type { PartResult } from './part-result';
import { startTokenServer } from '../server/start-token-server';

const SESSIONS = 50;
const CONNECTIONS = 10;
/** GET /api/resources ÷ GET /healthz with the verified-token cache (the scale-out issue's target). */
const TARGET = 0.9;
const CREDENTIALS = JSON.stringify({ userName: 'demo', password: 'demo-password' });
const JSON_HEADERS = { 'content-type': 'application/json' };

/** Part 3: requests per second a loopback token server sustains per endpoint, driven by autocannon for `seconds` each. */
export async function benchServerThroughput(seconds: number): Promise<PartResult> {
  // Sign-ins still in flight count as failures until they succeed, so concurrent sign-ins need a high failure limit.
  const env = { REFRESH_RATE_LIMIT: '0', REFRESH_REUSE_WINDOW_SECONDS: '0', LOGIN_MAX_FAILURES: '1000000' };
  const server = await startTokenServer(env);
  // The same server verifying every request, for the cache's effect side by side.
  const uncached = await startTokenServer({ ...env, VERIFY_CACHE_SIZE: '0' });
  try {
    // Ten at a time: the server answers sign-ins past its hashing queue (HASH_QUEUE) with 503, by design.
    const sessions: { authorizationToken: string; refreshToken: string }[] = [];
    while (sessions.length < SESSIONS) sessions.push(...(await Promise.all(Array.from({ length: 10 }, () => signIn(server.url)))));
    const load = (options: Options) => autocannon({ connections: CONNECTIONS, duration: seconds, ...options });
    const health: Options = { url: `${server.url}/healthz` };
    const resources: Options = {
      url: `${server.url}/api/resources`,
      headers: { authorization: `Bearer ${sessions[0].authorizationToken}` },
    };

    const uncachedToken = (await signIn(uncached.url)).authorizationToken;
    const plain: Record<'health' | 'resources', Options> = {
      health: { url: `${uncached.url}/healthz` },
      resources: { url: `${uncached.url}/api/resources`, headers: { authorization: `Bearer ${uncachedToken}` } },
    };
    const cached: Record<'health' | 'resources', Options> = { health, resources };

    // Ratios compare runs, so they interleave A B B A in halves after a warm-up: drift and JIT warm-up hit both alike.
    const halves = { health: [] as Result[], resources: [] as Result[], plainHealth: [] as Result[], plainResources: [] as Result[] };
    const order = [
      ['health', cached.health],
      ['resources', cached.resources],
      ['plainResources', plain.resources],
      ['plainHealth', plain.health],
    ] as const;
    for (const [, options] of order) await load({ ...options, duration: 1 });
    for (const [key, options] of [...order, ...[...order].reverse()]) {
      halves[key].push(await load({ ...options, duration: seconds / 2 }));
    }
    const plainRatio = combine(halves.plainResources).requests.average / combine(halves.plainHealth).requests.average;
    const runs = [
      { name: 'GET /healthz', result: combine(halves.health) },
      { name: 'GET /api/resources (valid token)', result: combine(halves.resources) },
      { name: 'GET /api/resources (valid token), VERIFY_CACHE_SIZE=0', result: combine(halves.plainResources) },
      {
        name: `POST /authorization/refresh (${SESSIONS} sessions, each rotating its own chain)`,
        result: await load({
          url: `${server.url}/authorization/refresh`,
          connections: SESSIONS,
          setupClient: rotateOwnChain(sessions.map((session) => session.refreshToken)),
        }),
      },
      {
        name: 'POST /authorization/token (sign-in)',
        result: await load({ url: `${server.url}/authorization/token`, method: 'POST', headers: JSON_HEADERS, body: CREDENTIALS }),
      },
    ];
    const ratio = runs[1].result.requests.average / runs[0].result.requests.average;
    const passwordHash = await new PasswordHasher().hash('x');

    return {
      title: `3. Server throughput (autocannon, ${seconds} s per endpoint, loopback, LOG_LEVEL=silent)`,
      headers: ['Endpoint', 'Connections', 'Req/s', 'p50 ms', 'p99 ms', 'Non-2xx', 'Errors'],
      rows: runs.map(({ name, result }) => [
        name,
        String(result.connections),
        result.requests.average.toFixed(0),
        String(result.latency.p50),
        String(result.latency.p99),
        String(result.non2xx),
        String(result.errors + result.timeouts),
      ]),
      notes: [
        `GET /api/resources ÷ GET /healthz = ${ratio.toFixed(2)}× with the verified-token cache; target ≥ ${TARGET}× → ${ratio >= TARGET ? 'met' : 'missed'}. ` +
          `Without it (VERIFY_CACHE_SIZE=0, a second server, ÷ its own /healthz): ${plainRatio.toFixed(2)}×, the cost of verifying every JWT. ` +
          `Each ran ${seconds} s as two halves in A B C D D C B A order after 1 s of warm-up each.`,
        `Refresh: ${SESSIONS} sessions signed in first; each connection presents only the refresh token its own previous rotation returned (strict single use, reuse window 0), so any mix-up would show as non-2xx (400 invalid_grant).`,
        `Sign-in is bound by password hashing by design: ${passwordHash.split('$').slice(1, 4).join(' ')} (from server/auth/password-hasher.ts), on libuv's thread pool, at most HASH_CONCURRENCY (2) at once.`,
        'autocannon runs in the bench process on the same machine, so it competes with the server for the CPU cores: absolute figures are a lower bound, the ratio is the point.',
      ],
      data: {
        endpoints: runs.map(({ name, result }) => ({ name, ...summarize(result) })),
        resourcesToHealthz: ratio,
        resourcesToHealthzUncached: plainRatio,
        passwordHash: passwordHash.split('$').slice(1, 4).join('$'),
      },
    };
  } finally {
    await uncached.stop();
    await server.stop();
  }
}

async function signIn(url: string): Promise<{ authorizationToken: string; refreshToken: string }> {
  const response = await fetch(`${url}/authorization/token`, { method: 'POST', headers: JSON_HEADERS, body: CREDENTIALS });
  if (!response.ok) {
    throw new Error(`Sign-in failed with ${response.status}`);
  }
  return response.json();
}

// One session per connection: each connection keeps the refresh token its last rotation returned and presents it next.
function rotateOwnChain(refreshTokens: string[]): (client: Client) => void {
  let next = 0;
  return (client) => {
    let refreshToken = refreshTokens[next++ % refreshTokens.length];
    client.setRequests([
      {
        method: 'POST',
        path: '/authorization/refresh',
        headers: JSON_HEADERS,
        setupRequest: (request) => ({ ...request, body: JSON.stringify({ refreshToken }) }),
        onResponse: (status, body) => {
          if (status === 200) {
            refreshToken = JSON.parse(body).refreshToken;
          }
        },
      },
    ]);
  };
}

// Two halves of one measurement as one result: requests and errors add up, latency percentiles are averaged.
function combine([a, b]: Result[]): Result {
  const mean = (pick: (result: Result) => number) => (pick(a) + pick(b)) / 2;
  return {
    ...a,
    duration: a.duration + b.duration,
    requests: {
      ...a.requests,
      total: a.requests.total + b.requests.total,
      average: (a.requests.total + b.requests.total) / (a.duration + b.duration),
    },
    latency: { ...a.latency, p50: mean((r) => r.latency.p50), p99: mean((r) => r.latency.p99), mean: mean((r) => r.latency.mean) },
    non2xx: a.non2xx + b.non2xx,
    errors: a.errors + b.errors,
    timeouts: a.timeouts + b.timeouts,
  };
}

function summarize(result: Result) {
  return {
    connections: result.connections,
    durationSeconds: result.duration,
    requestsPerSecond: result.requests.average,
    totalRequests: result.requests.total,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, mean: result.latency.mean },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}
