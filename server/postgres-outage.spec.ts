import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import request from 'supertest';

import { createApp } from './app';
import { PasswordHasher } from './auth/password-hasher';
import { seedUser } from './auth/seed-user';
import { loadConfig } from './config';
import { PostgresStore } from './store/postgres-store';
import { createTestDatabase, postgresAnswers, type TestDatabase } from './store/postgres-test-database';
import { TcpRelay } from './tcp-relay';
import { DEMO } from './test-app';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the token server while PostgreSQL goes away and comes back', () => {
  let available = false;
  let database: TestDatabase;
  let relay: TcpRelay;
  let store: PostgresStore;
  let dataDir: string;

  beforeAll(async () => {
    available = await postgresAnswers();
  });

  beforeEach(async () => {
    if (!available) pending('PostgreSQL does not answer: the outage specs are skipped');
    database = await createTestDatabase();
    const url = new URL(database.url);
    relay = new TcpRelay({ host: url.hostname, port: Number(url.port) });
    await relay.start();
    url.port = String(relay.port);
    store = await PostgresStore.open(url.toString());
    dataDir = mkdtempSync(join(tmpdir(), 'atr-outage-'));
  });

  afterEach(async () => {
    await relay?.cut();
    await store?.close();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After (never a 500), signs nobody out, and recovers without a restart', async () => {
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', STATIC_DIR: join(dataDir, 'none'), REFRESH_RATE_LIMIT: '0' });
    await seedUser(store, new PasswordHasher(), DEMO, Date.now());
    const app = createApp({ config, store, now: Date.now, logger: pino({ level: 'silent' }) });

    // Eight clients, each refreshing its own session in a loop as the library does: it keeps its token until a
    // refresh succeeds, and sends the same Refresh-Attempt id for every try from one token.
    const clients = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const signedIn = await request(app).post('/authorization/token').send(DEMO).expect(200);
        return {
          refreshToken: signedIn.body.refreshToken as string,
          accessToken: signedIn.body.authorizationToken as string,
          attempt: newAttempt(),
        };
      }),
    );
    const seen: { status: number; retryAfter?: string; path: string }[] = [];
    let outage: 'before' | 'during' | 'after' = 'before';
    let running = true;
    const refreshOnce = async (client: (typeof clients)[number]) => {
      const answer = await request(app)
        .post('/authorization/refresh')
        .set('Refresh-Attempt', client.attempt)
        .send({ refreshToken: client.refreshToken });
      seen.push({ status: answer.status, retryAfter: answer.headers['retry-after'], path: `refresh ${outage}` });
      if (answer.status === 200)
        Object.assign(client, {
          refreshToken: answer.body.refreshToken,
          accessToken: answer.body.authorizationToken,
          attempt: newAttempt(),
        });
      return answer.status;
    };
    const load = clients.map(async (client) => {
      while (running) {
        await refreshOnce(client);
        const resource = await request(app).get('/api/resources').auth(client.accessToken, { type: 'bearer' });
        seen.push({ status: resource.status, path: `resources ${outage}` });
        const signIn = await request(app).post('/authorization/token').send(DEMO);
        seen.push({ status: signIn.status, retryAfter: signIn.headers['retry-after'], path: `sign-in ${outage}` });
        await sleep(20);
      }
    });

    await sleep(500);
    await relay.cut();
    outage = 'during';
    await sleep(1_500);
    const ready = await request(app).get('/readyz');
    await relay.start();
    outage = 'after';
    await sleep(1_500);
    running = false;
    await Promise.all(load);

    expect(seen.filter((answer) => answer.status >= 500 && answer.status !== 503)).toEqual([]);
    const unavailable = seen.filter((answer) => answer.status === 503);
    expect(unavailable.length).toBeGreaterThan(0);
    expect(unavailable.every((answer) => answer.retryAfter === '5')).toBeTrue();
    expect(ready.status).toBe(503);
    // Access tokens need no database: the API went on serving them throughout.
    expect(seen.filter((answer) => answer.path.startsWith('resources')).every((answer) => answer.status === 200)).toBeTrue();
    // Nobody was signed out: no refresh was ever refused, and every client refreshes again now.
    expect(seen.filter((answer) => answer.status === 400)).toEqual([]);
    for (const client of clients) expect(await refreshOnce(client)).toBe(200);
    expect(seen.some((answer) => answer.path === 'sign-in after' && answer.status === 200)).toBeTrue();
    expect((await request(app).get('/readyz')).status).toBe(200);
  }, 30_000);
});

function newAttempt(): string {
  return randomBytes(16).toString('base64url');
}
