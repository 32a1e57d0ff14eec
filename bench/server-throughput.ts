import autocannon, { type Client, type Options, type Result } from 'autocannon';
import { randomBytes } from 'node:crypto';

import { PasswordHasher } from '../server/auth/password-hasher';
import { newProofKey } from '../server/dpop-proof-key';
import type { PartResult } from './part-result';
import { signInOver, startTokenServer } from '../server/start-token-server';

const SESSIONS = 50;
const CONNECTIONS = 10;
/** GET /api/resources ÷ GET /healthz with the verified-token cache (the scale-out issue's target). */
const TARGET = 0.9;
const CREDENTIALS = JSON.stringify({ userName: 'demo', password: 'demo-password' });
const JSON_HEADERS = { 'content-type': 'application/json' };

/** A server's JWT settings under test: the algorithm, and whether verified tokens are cached. */
interface Variant {
  alg: 'HS256' | 'ES256';
  cached: boolean;
}

const VARIANTS: Variant[] = [
  { alg: 'HS256', cached: true },
  { alg: 'HS256', cached: false },
  { alg: 'ES256', cached: true },
  { alg: 'ES256', cached: false },
];

/** Part 3: requests per second a loopback token server sustains per endpoint, driven by autocannon for `seconds` each. */
export async function benchServerThroughput(seconds: number): Promise<PartResult> {
  // Sign-ins still in flight count as failures until they succeed, so concurrent sign-ins need a high failure limit.
  const env = { REFRESH_RATE_LIMIT: '0', REFRESH_REUSE_WINDOW_SECONDS: '0', LOGIN_MAX_FAILURES: '1000000' };
  // One server per variant, each measured against its own /healthz, so the ratio is the cost of verifying its tokens.
  const servers = await Promise.all(
    VARIANTS.map((variant) => startTokenServer({ ...env, JWT_ALG: variant.alg, VERIFY_CACHE_SIZE: variant.cached ? '10000' : '0' })),
  );
  const [server] = servers;
  try {
    // Ten at a time: the server answers sign-ins past its hashing queue (HASH_QUEUE) with 503, by design.
    const sessions: { authorizationToken: string; refreshToken: string }[] = [];
    while (sessions.length < SESSIONS) sessions.push(...(await Promise.all(Array.from({ length: 10 }, () => signInOver(server.url)))));
    const load = (options: Options) => autocannon({ connections: CONNECTIONS, duration: seconds, ...options });
    const endpoints = await Promise.all(
      servers.map(async (each) => ({
        health: { url: `${each.url}/healthz` },
        resources: {
          url: `${each.url}/api/resources`,
          headers: { authorization: `Bearer ${(await signInOver(each.url)).authorizationToken}` },
        },
      })),
    );

    // Ratios compare runs, so each variant's pair runs A B B A in halves after a warm-up: drift hits both alike.
    const verification = [];
    for (const [i, variant] of VARIANTS.entries()) {
      const { health, resources } = endpoints[i];
      for (const options of [health, resources]) await load({ ...options, duration: 1 });
      const halves = { health: [] as Result[], resources: [] as Result[] };
      for (const key of ['health', 'resources', 'resources', 'health'] as const) {
        halves[key].push(await load({ ...endpoints[i][key], duration: seconds / 2 }));
      }
      const [healthResult, resourcesResult] = [combine(halves.health), combine(halves.resources)];
      verification.push({
        variant,
        health: healthResult,
        resources: resourcesResult,
        ratio: resourcesResult.requests.average / healthResult.requests.average,
      });
    }
    const label = ({ alg, cached }: Variant) => `${alg}, ${cached ? 'verified-token cache' : 'VERIFY_CACHE_SIZE=0'}`;
    const dpop = await measureDPoP(env, seconds, verification[0].resources.requests.average);
    const runs = [
      ...verification.flatMap(({ variant, health, resources }) => [
        { name: `GET /healthz (${label(variant)} server)`, result: health },
        { name: `GET /api/resources (valid token; ${label(variant)})`, result: resources },
      ]),
      { name: 'GET /healthz (DPOP=required, HS256, verified-token cache server)', result: dpop.health },
      { name: 'GET /api/resources (DPoP token, a fresh proof each; DPOP=required)', result: dpop.resources },
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
    const ratios = verification.map(({ variant, ratio }) => ({ ...variant, ratio }));
    const cachedRatios = ratios.filter((each) => each.cached);
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
        `GET /api/resources ÷ GET /healthz of the same server: ${ratios.map((each) => `${label(each)} ${each.ratio.toFixed(2)}×`).join('; ')}. ` +
          `Target ≥ ${TARGET}× with the cache, HS256 and ES256 → ${cachedRatios.every((each) => each.ratio >= TARGET) ? 'met' : 'missed'}. ` +
          `Each pair ran ${seconds} s as two halves in A B B A order after 1 s of warm-up each.`,
        `With DPoP (DPOP=required, HS256, the cache): ${dpop.ratio.toFixed(2)}× /healthz, against ${cachedRatios[0].ratio.toFixed(2)}× for a bearer token. ` +
          "The cache still skips the token's signature, but no cache can skip the proof: each request is a new ES256 signature to verify, its htm, htu, iat and ath, and a jti to remember. " +
          `Each of the ${dpop.proofs.toLocaleString('en-US')} proofs was signed before the clock started (the client's cost is the browser's), and any replay would show as non-2xx.`,
        `Refresh: ${SESSIONS} sessions signed in first; each connection presents only the refresh token its own previous rotation returned (strict single use, reuse window 0), so any mix-up would show as non-2xx (400 invalid_grant).`,
        `Sign-in is bound by password hashing by design: ${passwordHash.split('$').slice(1, 4).join(' ')} (from server/auth/password-hasher.ts), on libuv's thread pool, at most HASH_CONCURRENCY (2) at once.`,
        'autocannon runs in the bench process on the same machine, so it competes with the server for the CPU cores: absolute figures are a lower bound, the ratio is the point.',
      ],
      data: {
        endpoints: runs.map(({ name, result }) => ({ name, ...summarize(result) })),
        resourcesToHealthz: ratios,
        dpopResourcesToHealthz: dpop.ratio,
        passwordHash: passwordHash.split('$').slice(1, 4).join('$'),
      },
    };
  } finally {
    await Promise.all(servers.map((each) => each.stop()));
  }
}

/**
 * GET /api/resources ÷ GET /healthz on a server with DPOP=required (HS256, verified-token cache), in the same A B B A
 * halves. A proof is good once, so every request carries its own, signed beforehand: enough for 1.5× the rate a bearer
 * token reached (`bearerRate`).
 */
async function measureDPoP(env: Record<string, string>, seconds: number, bearerRate: number) {
  const server = await startTokenServer({ ...env, DPOP: 'required' });
  try {
    const key = await newProofKey();
    const signInUrl = `${server.url}/authorization/token`;
    const signedIn = await fetch(signInUrl, {
      method: 'POST',
      headers: { ...JSON_HEADERS, dpop: await key.proof('POST', signInUrl) },
      body: CREDENTIALS,
    });
    const { authorizationToken } = (await signedIn.json()) as { authorizationToken: string };
    const url = `${server.url}/api/resources`;
    const count = Math.ceil(bearerRate * (seconds + 1) * 1.5);
    const proofs = await Promise.all(Array.from({ length: count }, () => key.proof('GET', url, { accessToken: authorizationToken })));
    const resources: Options = {
      url,
      headers: { authorization: `DPoP ${authorizationToken}` },
      requests: [{ setupRequest: (request) => ({ ...request, headers: { ...request.headers, dpop: proofs.pop() ?? 'none-left' } }) }],
    };
    const health: Options = { url: `${server.url}/healthz` };
    const load = (options: Options, duration: number) => autocannon({ connections: CONNECTIONS, duration, ...options });
    for (const options of [health, resources]) await load(options, 1);
    const halves = { health: [] as Result[], resources: [] as Result[] };
    for (const half of ['health', 'resources', 'resources', 'health'] as const) {
      halves[half].push(await load(half === 'health' ? health : resources, seconds / 2));
    }
    const [healthResult, resourcesResult] = [combine(halves.health), combine(halves.resources)];
    return {
      health: healthResult,
      resources: resourcesResult,
      ratio: resourcesResult.requests.average / healthResult.requests.average,
      proofs: count,
    };
  } finally {
    await server.stop();
  }
}

// One session per connection: each connection keeps the refresh token its last rotation returned and presents it next.
// The newest token is written back into `refreshTokens`, so a later run with the same array continues each chain. Like
// the library, each try carries a Refresh-Attempt id that changes only with the token: a run that ends with a refresh
// in flight loses its answer, and the next run's repeat of that attempt is answered again instead of revoking.
export function rotateOwnChain(refreshTokens: string[]): (client: Client) => void {
  let next = 0;
  const attempts = refreshTokens.map(() => randomBytes(16).toString('base64url'));
  return (client) => {
    const session = next++ % refreshTokens.length;
    client.setRequests([
      {
        method: 'POST',
        path: '/authorization/refresh',
        setupRequest: (request) => ({
          ...request,
          headers: { ...JSON_HEADERS, 'refresh-attempt': attempts[session] },
          body: JSON.stringify({ refreshToken: refreshTokens[session] }),
        }),
        onResponse: (status, body) => {
          if (status === 200) {
            refreshTokens[session] = JSON.parse(body).refreshToken;
            attempts[session] = randomBytes(16).toString('base64url');
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
