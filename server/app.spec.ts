import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import request from 'supertest';

import { createApp } from './app';
import { createTestApp, DEMO, type TestApp } from './test-app';

describe('createApp', () => {
  let testApp: TestApp;

  afterEach(async () => {
    await testApp.close();
  });

  describe('when a user goes through the whole flow', () => {
    beforeEach(async () => {
      testApp = await createTestApp();
    });

    it('signs in, reads, refreshes, reads with the new token, logs out, and then cannot refresh', async () => {
      const api = request(testApp.app);

      const signIn = await api.post('/authorization/token').send(DEMO).expect(200);
      const first = await api.get('/api/resources').auth(signIn.body.authorizationToken, { type: 'bearer' }).expect(200);
      testApp.advance(60);
      const refresh = await api.post('/authorization/refresh').send({ refreshToken: signIn.body.refreshToken }).expect(200);
      const second = await api.get('/api/resources').auth(refresh.body.authorizationToken, { type: 'bearer' }).expect(200);
      await api.post('/authorization/logout').send({ refreshToken: refresh.body.refreshToken }).expect(204);
      const afterLogout = await api.post('/authorization/refresh').send({ refreshToken: refresh.body.refreshToken });

      expect(signIn.body).toEqual({
        userId: jasmine.any(String),
        userName: 'demo',
        authorizationToken: jasmine.any(String),
        refreshToken: jasmine.any(String),
        tokenType: 'Bearer',
        expiresIn: 300,
      });
      expect(first.body).toBe('protected resources, username: demo');
      expect(refresh.body.userId).toBe(signIn.body.userId);
      expect(refresh.body.refreshToken).not.toBe(signIn.body.refreshToken);
      expect(refresh.body.authorizationToken).not.toBe(signIn.body.authorizationToken);
      expect(second.body).toBe('protected resources, username: demo');
      expect(afterLogout.status).toBe(400);
      expect(afterLogout.body.error).toBe('invalid_grant');
    });

    it('marks token responses no-store and no-cache', async () => {
      const api = request(testApp.app);

      const signIn = await api.post('/authorization/token').send(DEMO);
      const refresh = await api.post('/authorization/refresh').send({ refreshToken: signIn.body.refreshToken });

      for (const response of [signIn, refresh]) {
        expect(response.headers['cache-control']).toBe('no-store');
        expect(response.headers['pragma']).toBe('no-cache');
      }
    });
  });

  describe('when asked for its health', () => {
    beforeEach(async () => {
      testApp = await createTestApp();
    });

    it('answers 200 { status: "ok" } without auth', async () => {
      const response = await request(testApp.app).get('/healthz');

      expect(response.status).toBe(200);
      expect(response.body).toEqual({ status: 'ok' });
    });

    it('is ready while the database answers, and answers 503 with Retry-After, never a 500, when it does not', async () => {
      const ready = await request(testApp.app).get('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual({ status: 'ok', database: 'ok' });

      testApp.db.close();
      const down = await request(testApp.app).get('/readyz');
      expect(down.status).toBe(503);
      expect(down.headers['retry-after']).toBe('5');
      expect(down.body).toEqual({ status: 'unavailable', database: 'unavailable' });
      expect((await request(testApp.app).get('/healthz')).status).toBe(200);
    });
  });

  describe('when a path is unknown', () => {
    beforeEach(async () => {
      testApp = await createTestApp();
    });

    for (const path of ['/api/nothing', '/authorization/nothing', '/nothing']) {
      it(`answers 404 not_found as JSON for ${path}`, async () => {
        const response = await request(testApp.app).get(path);

        expect(response.status).toBe(404);
        expect(response.type).toBe('application/json');
        expect(response.body.error).toBe('not_found');
      });
    }
  });

  describe('when called cross-origin', () => {
    beforeEach(async () => {
      testApp = await createTestApp({ env: { CORS_ORIGINS: 'http://localhost:4200' } });
    });

    it('answers the preflight for an allowed origin without auth (P-42)', async () => {
      const response = await request(testApp.app)
        .options('/api/resources')
        .set('Origin', 'http://localhost:4200')
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Headers', 'authorization');

      expect(response.status).toBe(204);
      expect(response.headers['access-control-allow-origin']).toBe('http://localhost:4200');
      expect(response.headers['access-control-allow-headers']).toBe('authorization');
    });

    it('exposes WWW-Authenticate and DPoP-Nonce so the client can read the error and the nonce (P-42, RFC 9449 §8)', async () => {
      const response = await request(testApp.app).get('/api/resources').set('Origin', 'http://localhost:4200');

      expect(response.status).toBe(401);
      expect(response.headers['access-control-allow-origin']).toBe('http://localhost:4200');
      expect(response.headers['access-control-expose-headers']).toBe('WWW-Authenticate,DPoP-Nonce');
    });

    it('grants no CORS access to another origin', async () => {
      const response = await request(testApp.app).get('/healthz').set('Origin', 'http://evil.test');

      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('when the built Angular app exists', () => {
    let staticDir: string;

    beforeEach(async () => {
      staticDir = mkdtempSync(join(tmpdir(), 'token-static-'));
      writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>app</title>');
      writeFileSync(join(staticDir, 'main.js'), 'console.log(1);');
      testApp = await createTestApp({ env: { STATIC_DIR: staticDir } });
    });

    afterEach(() => {
      rmSync(staticDir, { recursive: true, force: true });
    });

    it('serves its files', async () => {
      const response = await request(testApp.app).get('/main.js');

      expect(response.status).toBe(200);
      expect(response.text).toBe('console.log(1);');
    });

    it('falls back to index.html for client-side routes', async () => {
      const response = await request(testApp.app).get('/home/deep/link');

      expect(response.status).toBe(200);
      expect(response.text).toContain('<title>app</title>');
    });

    it('answers a JSON 404, not the app, for a missing file', async () => {
      const response = await request(testApp.app).get('/main.js.map');

      expect(response.status).toBe(404);
      expect(response.body.error).toBe('not_found');
    });

    it('still answers JSON 404s under /api and /authorization', async () => {
      const api = await request(testApp.app).get('/api/nothing');
      const auth = await request(testApp.app).get('/authorization/nothing');

      expect(api.body.error).toBe('not_found');
      expect(auth.body.error).toBe('not_found');
    });
  });

  describe('when no built Angular app exists', () => {
    beforeEach(async () => {
      testApp = await createTestApp();
    });

    it('answers 404 JSON instead of a page', async () => {
      const response = await request(testApp.app).get('/home');

      expect(response.status).toBe(404);
      expect(response.body.error).toBe('not_found');
    });
  });

  describe('when restarted over the same DATA_DIR', () => {
    it("accepts the first instance's refresh token and access token", async () => {
      testApp = await createTestApp();
      const tokens = await testApp.signIn();
      const dataDir = testApp.dataDir;
      await testApp.close({ removeDataDir: false });

      testApp = await createTestApp({ dataDir });
      const resources = await request(testApp.app).get('/api/resources').auth(tokens.authorizationToken, { type: 'bearer' });
      const refresh = await request(testApp.app).post('/authorization/refresh').send({ refreshToken: tokens.refreshToken });

      expect(resources.status).toBe(200);
      expect(refresh.status).toBe(200);
      expect(refresh.body.userName).toBe('demo');
    });
  });

  describe('when logging requests', () => {
    let lines: string[];
    let app: ReturnType<typeof createApp>;

    beforeEach(async () => {
      testApp = await createTestApp();
      lines = [];
      const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
      app = createApp({ config: testApp.config, store: testApp.store, now: () => testApp.now(), logger });
    });

    it('writes one line per request with method, path, status and ms, and no tokens, passwords or query', async () => {
      const signIn = await request(app).post('/authorization/token').send(DEMO);
      await request(app).post('/authorization/refresh').send({ refreshToken: signIn.body.refreshToken });
      await request(app).get('/api/resources?delay=0&secret=query-secret').auth(signIn.body.authorizationToken, { type: 'bearer' });

      const entries = lines.map((line) => JSON.parse(line));
      expect(entries.map((entry) => [entry.req.method, entry.req.url, entry.res.statusCode])).toEqual([
        ['POST', '/authorization/token', 200],
        ['POST', '/authorization/refresh', 200],
        ['GET', '/api/resources', 200],
      ]);
      expect(entries.every((entry) => typeof entry.responseTime === 'number')).toBeTrue();
      const log = lines.join('');
      for (const secret of [DEMO.password, signIn.body.refreshToken, signIn.body.authorizationToken, 'query-secret']) {
        expect(log).not.toContain(secret);
      }
    });

    it('answers an unexpected failure as 500 server_error JSON without a stack, and logs it once', async () => {
      spyOn(testApp.store, 'findUserByName').and.rejectWith(new TypeError('a bug'));

      const response = await request(app).post('/authorization/token').send(DEMO);

      expect(response.status).toBe(500);
      expect(response.body).toEqual({ error: 'server_error', error_description: jasmine.any(String) });
      expect(response.text).not.toContain('    at ');
      expect(lines.filter((line) => line.includes('Unhandled error')).length).toBe(1);
    });
  });
});
