import autocannon from 'autocannon';

import { signInOver, startTokenServer } from '../server/start-token-server';
import { createTestDatabase, postgresAnswers } from '../server/store/postgres-test-database';
import type { PartResult } from './part-result';
import { rotateOwnChain } from './server-throughput';

const SESSIONS = 50;

/** The stores and process counts compared; each gets a fresh database. */
const SETUPS = [
  { name: 'SQLite, 1 process', postgres: false, workers: 0 },
  { name: 'PostgreSQL, 1 process', postgres: true, workers: 0 },
  { name: 'PostgreSQL, serve:cluster WORKERS=2', postgres: true, workers: 2 },
];

/**
 * Part 7: refresh rotations per second and their p99, on SQLite and on PostgreSQL with one and two processes. Every
 * rotation is a read and a conditional UPDATE in the database; 50 connections each rotate their own session's chain.
 */
export async function benchRotationThroughput(seconds: number): Promise<PartResult> {
  const havePostgres = await postgresAnswers();
  const rows: string[][] = [];
  const data: Record<string, unknown>[] = [];
  for (const setup of SETUPS) {
    if (setup.postgres && !havePostgres) {
      rows.push([setup.name, 'skipped: PostgreSQL does not answer', '', '', '']);
      continue;
    }
    const database = setup.postgres ? await createTestDatabase() : undefined;
    const server = await startTokenServer({
      REFRESH_RATE_LIMIT: '0',
      ...(database && { DATABASE_URL: database.url }),
      ...(setup.workers && { WORKERS: String(setup.workers) }),
    });
    try {
      const sessions = [];
      while (sessions.length < SESSIONS) sessions.push(...(await Promise.all(Array.from({ length: 10 }, () => signInOver(server.url)))));
      const options = {
        url: `${server.url}/authorization/refresh`,
        connections: SESSIONS,
        setupClient: rotateOwnChain(sessions.map((session) => session.refreshToken)),
      };
      await autocannon({ ...options, duration: 1 });
      const result = await autocannon({ ...options, duration: seconds });
      const rotations = (result.requests.total - result.non2xx) / result.duration;
      rows.push([
        setup.name,
        rotations.toFixed(0),
        String(result.latency.p50),
        String(result.latency.p99),
        String(result.non2xx + result.errors),
      ]);
      data.push({
        setup: setup.name,
        rotationsPerSecond: rotations,
        latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
        failures: result.non2xx + result.errors,
      });
    } finally {
      await server.stop();
      await database?.drop();
    }
  }
  return {
    title: `7. Refresh rotations by store (autocannon, ${seconds} s each, ${SESSIONS} connections, loopback)`,
    headers: ['Store', 'Rotations/s', 'p50 ms', 'p99 ms', 'Non-2xx + errors'],
    rows,
    notes: [
      'Each connection presents only the refresh token its own previous rotation returned (strict single use), so a lost or doubled rotation would show as a non-2xx.',
      'PostgreSQL runs on the same machine; with two workers, the server processes, PostgreSQL and autocannon share its cores, so the gain of a second worker is a lower bound.',
    ],
    data: { rotations: data },
  };
}
