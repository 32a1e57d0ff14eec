import { Client } from 'pg';

import { startTokenServer, type TokenServer } from './start-token-server';
import { createTestDatabase, postgresAnswers, type TestDatabase } from './store/postgres-test-database';

const DEMO = { userName: 'demo', password: 'demo-password' };

/** Three token-server processes on one PostgreSQL database, as instances behind a load balancer are. */
describe('three token servers on one PostgreSQL database', () => {
  let available = false;
  let database: TestDatabase;
  let servers: TokenServer[] = [];

  beforeAll(async () => {
    available = await postgresAnswers();
    if (!available) return;
    database = await createTestDatabase();
    // No JWT_SECRET: each generates one in its own DATA_DIR, and the database keeps the first, so they agree.
    servers = await Promise.all(
      [1, 2, 3].map(() => startTokenServer({ DATABASE_URL: database.url, REFRESH_RATE_LIMIT: '0', HASH_QUEUE: '200' })),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await database?.drop();
  });

  beforeEach(() => {
    if (!available) pending('PostgreSQL does not answer: the several-instance specs are skipped');
  });

  async function post(server: TokenServer, path: string, body: object): Promise<{ status: number; body: Record<string, string> }> {
    const response = await fetch(`${server.url}/authorization/${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  }

  const refresh = (server: TokenServer, refreshToken: string) => post(server, 'refresh', { refreshToken });

  async function sessionRows(): Promise<Map<string, { counter: number; revokeReason: string | null; revokedAt: number | null }>> {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT id, counter::int, revoke_reason, revoked_at::float8 FROM sessions');
      return new Map(rows.map((row) => [row.id, { counter: row.counter, revokeReason: row.revoke_reason, revokedAt: row.revoked_at }]));
    } finally {
      await client.end();
    }
  }

  it('lets exactly one of 20 concurrent refreshes with one token win, across all three, and revokes the session once', async () => {
    // Warm connections in every pool first, so the 20 reach the database together rather than one by one.
    await Promise.all(servers.flatMap((server) => Array.from({ length: 10 }, () => fetch(`${server.url}/readyz`))));

    for (let round = 0; round < 10; round++) {
      const { body: signedIn } = await post(servers[round % 3], 'token', DEMO);
      const sessionId = signedIn['refreshToken'].split('.')[0];

      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => refresh(servers[i % 3], signedIn['refreshToken'])));

      expect(answers.map((answer) => answer.status).sort()).toEqual([200, ...Array(19).fill(400)]);
      // Strict single use: the other 19 presented a token that had been used, which is reuse, and revokes the session.
      const revoked = (await sessionRows()).get(sessionId)!;
      expect(revoked).toEqual({ counter: 1, revokeReason: 'reuse', revokedAt: jasmine.any(Number) });
      const winner = answers.find((answer) => answer.status === 200)!.body['refreshToken'];
      expect((await refresh(servers[round % 3], winner)).status).toBe(400);
      expect((await sessionRows()).get(sessionId)!.revokedAt).toBe(revoked.revokedAt);
    }
  });

  it('serves each token, whichever instance it meets, and a retired one revokes the session for all three', async () => {
    const { body: signedIn } = await post(servers[2], 'token', DEMO);
    const first = await refresh(servers[0], signedIn['refreshToken']);
    const second = await refresh(servers[1], first.body['refreshToken']);
    expect([first.status, second.status]).toEqual([200, 200]);
    // Each instance verifies the access tokens the others signed.
    for (const server of servers) {
      const resource = await fetch(`${server.url}/api/resources`, {
        headers: { Authorization: `Bearer ${second.body['authorizationToken']}` },
      });
      expect(resource.status).toBe(200);
    }

    expect((await refresh(servers[2], first.body['refreshToken'])).status).toBe(400);

    for (const server of servers) expect((await refresh(server, second.body['refreshToken'])).status).toBe(400);
  });

  it('keeps every invariant through 20 s of refreshes over 200 sessions with random replays, and never answers 5xx', async () => {
    const sessions = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const { body } = await post(servers[i % 3], 'token', DEMO);
        return {
          id: body['refreshToken'].split('.')[0],
          tokens: [body['refreshToken']],
          replayed: false,
          servedAfterReplay: 0,
          refused: 0,
        };
      }),
    );
    const statuses = new Map<number, number>();
    const issued = new Set<string>();
    const deadline = Date.now() + 20_000;

    // Each session is one client, refreshing again as soon as it is answered, on a random instance; now and then it
    // presents a token it already used, as a thief would.
    await Promise.all(
      sessions.map(async (session) => {
        while (Date.now() < deadline) {
          const replay = session.tokens.length > 1 && Math.random() < 0.002;
          const token = replay ? session.tokens[Math.floor(Math.random() * (session.tokens.length - 1))] : session.tokens.at(-1)!;
          session.replayed ||= replay;
          const answer = await refresh(servers[Math.floor(Math.random() * 3)], token);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          if (answer.status !== 200) {
            session.refused++;
            continue;
          }
          if (session.replayed) session.servedAfterReplay++;
          expect(issued.has(answer.body['refreshToken'])).withContext('a refresh token issued twice').toBeFalse();
          issued.add(answer.body['refreshToken']);
          session.tokens.push(answer.body['refreshToken']);
        }
      }),
    );

    const rows = await sessionRows();
    expect([...statuses.keys()].filter((status) => status >= 500)).toEqual([]);
    expect(issued.size).toBeGreaterThan(1_000);
    for (const session of sessions) {
      const row = rows.get(session.id)!;
      // A replay revokes at once: nothing is served after it, and the database says why.
      expect(session.servedAfterReplay).withContext(session.id).toBe(0);
      expect(row.revokeReason)
        .withContext(session.id)
        .toBe(session.replayed ? 'reuse' : null);
      // Without a replay nothing is ever refused, and the counter is exactly the number of rotations served.
      if (!session.replayed) expect(session.refused).withContext(session.id).toBe(0);
      expect(row.counter)
        .withContext(session.id)
        .toBe(session.tokens.length - 1);
    }
    console.log(
      `\n      ${issued.size} rotations over 200 sessions in 20 s, ${sessions.filter((session) => session.replayed).length} revoked for a replay; statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
  }, 90_000);
});
