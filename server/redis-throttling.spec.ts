import { randomBytes } from 'node:crypto';
import request from 'supertest';

import { REDIS, redisAnswers } from './redis-test-server';
import { TcpRelay } from './tcp-relay';
import { createTestApp, DEMO, type TestApp } from './test-app';

describe('throttling shared through Redis (REDIS_URL)', () => {
  const apps: TestApp[] = [];
  let prefix: string;

  let available = false;

  beforeAll(async () => {
    available = await redisAnswers();
  });

  beforeEach(() => {
    if (!available) {
      pending(`Redis is not reachable at ${REDIS.host}:${REDIS.port}: skipped here (CI fails instead)`);
    }
    // Keys of their own, so runs and specs never see each other's counts.
    prefix = `atr-spec:${randomBytes(6).toString('hex')}:`;
  });

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  async function instance(env: Record<string, string>, redisUrl = `redis://${REDIS.host}:${REDIS.port}`): Promise<TestApp> {
    const app = await createTestApp({ env: { REDIS_URL: redisUrl, REDIS_PREFIX: prefix, ...env } });
    apps.push(app);
    if (env['LOGIN_MAX_FAILURES'] || env['REFRESH_RATE_LIMIT']) {
      // Its Redis connection opens in the background: wait for it, so no count below is lost to a 503.
      expect(await signedInWithin(app, 5_000)).toBe(200);
    }
    return app;
  }

  const signIn = (app: TestApp, password: string) =>
    request(app.app).post('/authorization/token').send({ userName: DEMO.userName, password });

  /** Signs in until it works or `ms` pass; resolves with the last status. */
  async function signedInWithin(app: TestApp, ms: number): Promise<number> {
    const deadline = Date.now() + ms;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      status = (await signIn(app, DEMO.password)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return status;
  }

  it('counts refused passwords across instances', async () => {
    const env = { LOGIN_MAX_FAILURES: '3' };
    const [a, b] = [await instance(env), await instance(env)];
    await signIn(a, 'wrong-1').expect(401);
    await signIn(b, 'wrong-2').expect(401);
    await signIn(a, 'wrong-3').expect(401);

    const blocked = await signIn(b, DEMO.password);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('lets 40 concurrent wrong passwords, spread over two instances, get only LOGIN_MAX_FAILURES answers of 401', async () => {
    const env = { LOGIN_MAX_FAILURES: '3' };
    const [a, b] = [await instance(env), await instance(env)];

    const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => signIn(i % 2 ? a : b, 'wrong')));

    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([...Array(3).fill(401), ...Array(37).fill(429)]);
  });

  it('accepts 15 concurrent right passwords, spread over two instances, with LOGIN_MAX_FAILURES=3', async () => {
    const env = { LOGIN_MAX_FAILURES: '3' };
    const [a, b] = [await instance(env), await instance(env)];

    const responses = await Promise.all(Array.from({ length: 15 }, (_, i) => signIn(i % 2 ? a : b, DEMO.password)));

    expect(responses.map((response) => response.status)).toEqual(Array(15).fill(200));
  });

  it('counts refreshes across instances', async () => {
    const env = { REFRESH_RATE_LIMIT: '2' };
    const [a, b] = [await instance(env), await instance(env)];
    const refresh = (app: TestApp, refreshToken: string) => request(app.app).post('/authorization/refresh').send({ refreshToken });
    const first = (await a.signIn()).refreshToken;
    const second = (await b.signIn()).refreshToken;

    await refresh(a, first).expect(200);
    await refresh(b, second).expect(200);
    expect((await refresh(a, (await a.signIn()).refreshToken)).status).toBe(429);
  });

  it('while Redis is down: sign-in fails closed with 503 and Retry-After, refresh fails open; both recover without a restart', async () => {
    const relay = new TcpRelay(REDIS);
    await relay.start();
    const app = await instance({}, `redis://127.0.0.1:${relay.port}`);
    // The connection opens in the background; until it does, sign-in fails closed too.
    expect(await signedInWithin(app, 5_000)).toBe(200);
    const session = await app.signIn();

    await relay.cut();
    const closed = await signIn(app, DEMO.password);
    expect(closed.status).toBe(503);
    expect(closed.headers['retry-after']).toBe('5');
    const open = await request(app.app).post('/authorization/refresh').send({ refreshToken: session.refreshToken });
    expect(open.status).toBe(200);

    await relay.start();
    expect(await signedInWithin(app, 5_000)).toBe(200);
    await relay.cut();
  });
});
