import request from 'supertest';

import { createTestApp, DEMO, legacyScryptHash, OTHER, type TestApp } from '../test-app';
import { PasswordHasher } from './password-hasher';

describe('auth routes', () => {
  let testApp: TestApp;

  afterEach(async () => {
    await testApp.close();
  });

  function refresh(refreshToken: string) {
    return request(testApp.app).post('/authorization/refresh').send({ refreshToken });
  }

  function sessionRow(refreshToken: string): {
    counter: number;
    revoked_at: number | null;
    revoke_reason: string | null;
    expires_at: number;
  } {
    return testApp.db.prepare('SELECT * FROM sessions WHERE id = ?').get(refreshToken.split('.')[0]) as never;
  }

  describe('when signing in', () => {
    beforeEach(async () => {
      testApp = await createTestApp();
    });

    it('answers unknown users and wrong passwords with the same 401 body (P-9)', async () => {
      const unknownUser = await request(testApp.app).post('/authorization/token').send({ userName: 'nobody', password: 'x' });
      const wrongPassword = await request(testApp.app).post('/authorization/token').send({ userName: 'demo', password: 'x' });

      expect(unknownUser.status).toBe(401);
      expect(wrongPassword.status).toBe(401);
      expect(unknownUser.body).toEqual({ error: 'invalid_credentials', error_description: jasmine.any(String) });
      expect(wrongPassword.body).toEqual(unknownUser.body);
    });

    it('opens a separate session per sign-in, so logging one out leaves the other working (P-23)', async () => {
      const laptop = await testApp.signIn();
      const phone = await testApp.signIn();

      await request(testApp.app).post('/authorization/logout').send({ refreshToken: laptop.refreshToken }).expect(204);

      expect((await refresh(laptop.refreshToken)).status).toBe(400);
      expect((await refresh(phone.refreshToken)).status).toBe(200);
    });

    it('ignores __proto__ keys and leaves Object.prototype unchanged (P-8)', async () => {
      const body = `{"userName":"demo","password":"demo-password","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}`;

      const response = await request(testApp.app).post('/authorization/token').set('Content-Type', 'application/json').send(body);

      expect(response.status).toBe(200);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    });
  });

  describe('when refreshing in strict mode (no reuse window)', () => {
    beforeEach(async () => {
      testApp = await createTestApp();
    });

    it('rotates once for 20 concurrent refreshes: one 200, nineteen 400, no 5xx, session revoked (P-20)', async () => {
      const { refreshToken } = await testApp.signIn();

      const responses = await Promise.all(Array.from({ length: 20 }, () => refresh(refreshToken)));

      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status === 200).length).toBe(1);
      expect(statuses.filter((status) => status === 400).length).toBe(19);
      expect(sessionRow(refreshToken).counter).toBe(1);
      expect(sessionRow(refreshToken).revoke_reason).toBe('reuse');
    });

    it('revokes the session on reuse, so the current token dies too, and the revocation persists (P-17, P-21, P-22)', async () => {
      const { refreshToken: retired } = await testApp.signIn();
      const { body: current } = await refresh(retired).expect(200);

      const reuse = await refresh(retired);
      const currentAfterReuse = await refresh(current.refreshToken);

      expect(reuse.status).toBe(400);
      expect(reuse.body.error).toBe('invalid_grant');
      expect(currentAfterReuse.status).toBe(400);
      expect(currentAfterReuse.body.error).toBe('invalid_grant');
      expect(sessionRow(retired).revoked_at).toBe(testApp.now());
    });

    it('leaves other sessions of the same user alone on reuse', async () => {
      const { refreshToken: retired } = await testApp.signIn();
      const other = await testApp.signIn();
      await refresh(retired).expect(200);

      await refresh(retired).expect(400);

      expect((await refresh(other.refreshToken)).status).toBe(200);
    });

    it('revokes nothing for a tampered token: flipped MAC, forged counter, foreign session id (P-25)', async () => {
      const { refreshToken } = await testApp.signIn();
      const [sessionId, counter, mac] = refreshToken.split('.');
      const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
      const forgeries = [
        `${sessionId}.${counter}.${flip(mac, 0)}`,
        `${sessionId}.${counter}.${flip(mac, mac.length - 1)}`,
        `${sessionId}.1.${mac}`,
        `${sessionId}.99.${mac}`,
        `${flip(sessionId, 3)}.${counter}.${mac}`,
      ];

      const responses = await Promise.all(forgeries.map(refresh));

      for (const response of responses) {
        expect(response.status).toBe(400);
        expect(response.body.error).toBe('invalid_grant');
      }
      expect(sessionRow(refreshToken).revoked_at).toBeNull();
      expect((await refresh(refreshToken)).status).toBe(200);
    });

    it('rejects even the immediate predecessor, and revokes (P-19 with window 0)', async () => {
      const { refreshToken: parent } = await testApp.signIn();
      await refresh(parent).expect(200);

      const replay = await refresh(parent);

      expect(replay.status).toBe(400);
      expect(sessionRow(parent).revoke_reason).toBe('reuse');
    });

    it('still treats a spent token as reuse after the clock stepped back a day', async () => {
      const { refreshToken: parent } = await testApp.signIn();
      const { body: current } = await refresh(parent).expect(200);
      testApp.advance(-86_400);

      const replay = await refresh(parent);

      expect(replay.status).toBe(400);
      expect(sessionRow(parent).revoke_reason).toBe('reuse');
      expect((await refresh(current.refreshToken)).status).toBe(400);
    });
  });

  describe('when refreshing with a 10 s reuse window', () => {
    beforeEach(async () => {
      testApp = await createTestApp({ env: { REFRESH_REUSE_WINDOW_SECONDS: '10' } });
    });

    it('answers all 20 concurrent refreshes with the byte-identical token and rotates once (P-20)', async () => {
      const { refreshToken } = await testApp.signIn();

      const responses = await Promise.all(Array.from({ length: 20 }, () => refresh(refreshToken)));

      expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
      expect(new Set(responses.map((response) => response.body.refreshToken)).size).toBe(1);
      expect(responses[0].body.refreshToken).not.toBe(refreshToken);
      expect(sessionRow(refreshToken).counter).toBe(1);
      expect(sessionRow(refreshToken).revoked_at).toBeNull();
    });

    it('gives the immediate predecessor the same current token plus a fresh access token (P-19)', async () => {
      const { refreshToken: parent } = await testApp.signIn();
      const { body: current } = await refresh(parent).expect(200);
      testApp.advance(9);

      const replay = await refresh(parent);

      expect(replay.status).toBe(200);
      expect(replay.body.refreshToken).toBe(current.refreshToken);
      expect(replay.body.authorizationToken).not.toBe(current.authorizationToken);
      expect((await refresh(current.refreshToken)).status).toBe(200);
    });

    it('gives two access tokens issued in the same second for one session distinct jti claims (RFC 9068)', async () => {
      const { refreshToken: parent } = await testApp.signIn();
      const { body: current } = await refresh(parent).expect(200);

      const { body: again } = await refresh(parent).expect(200);

      const claims = [current, again].map((body) => JSON.parse(Buffer.from(body.authorizationToken.split('.')[1], 'base64url').toString()));
      expect(claims[0].iat).toBe(claims[1].iat);
      expect(typeof claims[0].jti).toBe('string');
      expect(claims[0].jti).not.toBe(claims[1].jti);
      expect(again.authorizationToken).not.toBe(current.authorizationToken);
    });

    it('treats the predecessor as reuse once the window has passed (P-19b)', async () => {
      const { refreshToken: parent } = await testApp.signIn();
      const { body: current } = await refresh(parent).expect(200);
      testApp.advance(10);

      const replay = await refresh(parent);

      expect(replay.status).toBe(400);
      expect((await refresh(current.refreshToken)).status).toBe(400);
    });

    it('treats the predecessor as reuse when the clock stepped back since the rotation', async () => {
      const { refreshToken: parent } = await testApp.signIn();
      await refresh(parent).expect(200);
      testApp.advance(-86_400);

      const replay = await refresh(parent);

      expect(replay.status).toBe(400);
      expect(sessionRow(parent).revoke_reason).toBe('reuse');
    });

    it('treats the grandparent as reuse even inside the window (P-18)', async () => {
      const { refreshToken: grandparent } = await testApp.signIn();
      const { body: parent } = await refresh(grandparent).expect(200);
      const { body: current } = await refresh(parent.refreshToken).expect(200);

      const replay = await refresh(grandparent);

      expect(replay.status).toBe(400);
      expect((await refresh(current.refreshToken)).status).toBe(400);
    });

    it('forgives nothing after a reuse revocation, not even the token that was current (P-22)', async () => {
      const { refreshToken: grandparent } = await testApp.signIn();
      const { body: parent } = await refresh(grandparent).expect(200);
      const { body: current } = await refresh(parent.refreshToken).expect(200);
      await refresh(grandparent).expect(400);

      const predecessor = await refresh(parent.refreshToken);
      const wasCurrent = await refresh(current.refreshToken);

      expect(predecessor.status).toBe(400);
      expect(wasCurrent.status).toBe(400);
    });
  });

  describe('when the session reaches its absolute lifetime', () => {
    beforeEach(async () => {
      testApp = await createTestApp({ env: { SESSION_TTL_SECONDS: '1000' } });
    });

    it('stops refreshing at created + SESSION_TTL_SECONDS however often it rotated (P-16)', async () => {
      let { refreshToken } = await testApp.signIn();
      for (let step = 0; step < 9; step++) {
        testApp.advance(100);
        refreshToken = (await refresh(refreshToken).expect(200)).body.refreshToken;
      }
      testApp.advance(99);
      const lastSecond = await refresh(refreshToken).expect(200);
      testApp.advance(1);

      const expired = await refresh(lastSecond.body.refreshToken);

      expect(expired.status).toBe(400);
      expect(expired.body.error).toBe('invalid_grant');
    });

    it('issues no access token that outlives the session', async () => {
      const { refreshToken } = await testApp.signIn();
      testApp.advance(999);

      const last = (await refresh(refreshToken).expect(200)).body;
      testApp.advance(2);
      const resource = await request(testApp.app).get('/api/resources').set('Authorization', `Bearer ${last.authorizationToken}`);

      expect(last.expiresIn).toBe(1);
      expect(resource.status).toBe(401);
    });
  });

  describe('when the user is deleted', () => {
    beforeEach(async () => {
      testApp = await createTestApp();
    });

    it('refuses to refresh their sessions (P-24)', async () => {
      const { refreshToken, userId } = await testApp.signIn();

      testApp.db.prepare('DELETE FROM users WHERE id = ?').run(userId);
      const response = await refresh(refreshToken);

      expect(response.status).toBe(400);
      expect(response.body.error).toBe('invalid_grant');
    });
  });

  describe('when logging out', () => {
    beforeEach(async () => {
      testApp = await createTestApp();
    });

    it('answers 204 for the current token, again for the same token, and for an unknown one', async () => {
      const { refreshToken } = await testApp.signIn();
      const logout = (token: string) => request(testApp.app).post('/authorization/logout').send({ refreshToken: token });

      const first = await logout(refreshToken);
      const again = await logout(refreshToken);
      const unknown = await logout('not-a-token');

      expect([first.status, again.status, unknown.status]).toEqual([204, 204, 204]);
      expect(sessionRow(refreshToken).revoke_reason).toBe('logout');
    });

    it('does not revoke the session for a tampered token', async () => {
      const { refreshToken } = await testApp.signIn();
      const tampered = refreshToken.replace(/\.0\./, '.1.');

      await request(testApp.app).post('/authorization/logout').send({ refreshToken: tampered }).expect(204);

      expect((await refresh(refreshToken)).status).toBe(200);
    });
  });

  describe('when sign-ins keep failing', () => {
    beforeEach(async () => {
      testApp = await createTestApp({ env: { LOGIN_MAX_FAILURES: '3' }, users: [DEMO, OTHER] });
    });

    async function failSignIn(userName: string, forwardedFor?: string) {
      const call = request(testApp.app).post('/authorization/token');
      if (forwardedFor) call.set('X-Forwarded-For', forwardedFor);
      return call.send({ userName, password: 'wrong' });
    }

    it('answers 429 with Retry-After once the limit is reached, even for the right password (P-10)', async () => {
      for (let attempt = 0; attempt < 3; attempt++) expect((await failSignIn('demo')).status).toBe(401);

      const blocked = await request(testApp.app).post('/authorization/token').send(DEMO);

      expect(blocked.status).toBe(429);
      expect(blocked.body.error).toBe('too_many_requests');
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('still lets another user sign in', async () => {
      for (let attempt = 0; attempt < 4; attempt++) await failSignIn('demo');

      const response = await request(testApp.app).post('/authorization/token').send(OTHER);

      expect(response.status).toBe(200);
    });

    it('counts per client behind a proxy when TRUST_PROXY names its hop', async () => {
      await testApp.close();
      testApp = await createTestApp({ env: { LOGIN_MAX_FAILURES: '3', TRUST_PROXY: '1' }, users: [DEMO, OTHER] });
      for (let attempt = 0; attempt < 3; attempt++) await failSignIn('demo', '203.0.113.1');

      const blocked = await failSignIn('demo', '203.0.113.1');
      const otherClient = await failSignIn('demo', '203.0.113.2');

      expect(blocked.status).toBe(429);
      expect(otherClient.status).toBe(401);
    });

    it('is not bypassed by rotating X-Forwarded-For (P-10)', async () => {
      for (let attempt = 0; attempt < 3; attempt++) await failSignIn('demo', `10.0.0.${attempt}`);

      const blocked = await failSignIn('demo', '10.0.0.99');

      expect(blocked.status).toBe(429);
    });

    it('does not count malformed sign-ins, which never reach the password check', async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        expect(
          (
            await request(testApp.app)
              .post('/authorization/token')
              .send({ userName: 'demo', password: 'x'.repeat(2000) })
          ).status,
        ).toBe(400);
      }

      const response = await request(testApp.app).post('/authorization/token').send(DEMO);

      expect(response.status).toBe(200);
    });

    it('counts IPv4, IPv4-mapped and IPv6 loopback as one client', async () => {
      await testApp.close();
      testApp = await createTestApp({ env: { LOGIN_MAX_FAILURES: '3', TRUST_PROXY: '1' } });
      for (const address of ['127.0.0.1', '::ffff:127.0.0.1', '::1']) expect((await failSignIn('demo', address)).status).toBe(401);

      const blocked = await failSignIn('demo', '127.0.0.1');

      expect(blocked.status).toBe(429);
    });

    it('answers a non-IP X-Forwarded-For behind a proxy normally, and prints nothing', async () => {
      await testApp.close();
      testApp = await createTestApp({ env: { LOGIN_MAX_FAILURES: '3', TRUST_PROXY: '1' } });
      const printed = [spyOn(console, 'error'), spyOn(console, 'warn'), spyOn(process.stderr, 'write').and.callThrough()];

      const signIn = await failSignIn('demo', 'not-an-ip');
      const refreshed = await request(testApp.app)
        .post('/authorization/refresh')
        .set('X-Forwarded-For', 'not-an-ip')
        .send({ refreshToken: 'x' });

      expect(signIn.status).toBe(401);
      expect(refreshed.status).toBe(400);
      for (const spy of printed) expect(spy).not.toHaveBeenCalled();
    });

    it('does not count successful sign-ins', async () => {
      await failSignIn('demo');
      await failSignIn('demo');
      for (let attempt = 0; attempt < 5; attempt++) await testApp.signIn();

      const third = await failSignIn('demo');

      expect(third.status).toBe(401);
    });
  });

  describe('when the user is deleted while their sign-in is being checked', () => {
    it('answers 401 invalid_credentials, not 500', async () => {
      testApp = await createTestApp();
      const verify = PasswordHasher.prototype.verify;
      spyOn(PasswordHasher.prototype, 'verify').and.callFake(function (this: PasswordHasher, ...args) {
        testApp.db.prepare('DELETE FROM users WHERE name = ?').run(DEMO.userName);
        return verify.apply(this, args);
      });

      const response = await request(testApp.app).post('/authorization/token').send(DEMO);

      expect(response.status).toBe(401);
      expect(response.body.error).toBe('invalid_credentials');
    });
  });

  describe('when a user still has a legacy scrypt hash', () => {
    it('signs them in and upgrades the stored hash to Argon2id', async () => {
      testApp = await createTestApp({ users: [] });
      testApp.db
        .prepare("INSERT INTO users (id, name, password_hash, created_at) VALUES ('u-legacy', 'legacy', ?, 0)")
        .run(legacyScryptHash('old-password'));

      const first = await request(testApp.app).post('/authorization/token').send({ userName: 'legacy', password: 'old-password' });
      const stored = testApp.db.prepare("SELECT password_hash AS hash FROM users WHERE id = 'u-legacy'").get() as { hash: string };
      const again = await request(testApp.app).post('/authorization/token').send({ userName: 'legacy', password: 'old-password' });

      expect(first.status).toBe(200);
      expect(stored.hash).toMatch(/^\$argon2id\$/);
      expect(again.status).toBe(200);
    });
  });

  describe('when more sign-ins arrive than the hashing slots and queue hold', () => {
    it('answers the excess 503 with Retry-After at once, and serves the rest', async () => {
      testApp = await createTestApp({ env: { HASH_CONCURRENCY: '1', HASH_QUEUE: '0' } });

      const responses = await Promise.all(Array.from({ length: 8 }, () => request(testApp.app).post('/authorization/token').send(DEMO)));

      const statuses = responses.map((response) => response.status);
      expect(statuses).toContain(200);
      expect(statuses).toContain(503);
      expect(statuses.filter((status) => status !== 200 && status !== 503)).toEqual([]);
      const refused = responses.find((response) => response.status === 503)!;
      expect(refused.body.error).toBe('temporarily_unavailable');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    });
  });

  describe('when 40 wrong passwords for one IP and user name arrive at once, with LOGIN_MAX_FAILURES=3', () => {
    it('answers 3 of them 401 and the rest 429: a password check in flight counts until it ends', async () => {
      testApp = await createTestApp({ env: { LOGIN_MAX_FAILURES: '3' } });

      const responses = await Promise.all(
        Array.from({ length: 40 }, () =>
          request(testApp.app)
            .post('/authorization/token')
            .send({ ...DEMO, password: 'wrong' }),
        ),
      );

      const statuses = responses.map((response) => response.status).sort();
      expect(statuses).toEqual([...Array(3).fill(401), ...Array(37).fill(429)]);
    });
  });

  describe('when 15 right passwords for one IP and user name arrive at once, with LOGIN_MAX_FAILURES=3', () => {
    it('accepts all 15: they wait their turn instead of being refused', async () => {
      testApp = await createTestApp({ env: { LOGIN_MAX_FAILURES: '3' } });

      const responses = await Promise.all(Array.from({ length: 15 }, () => request(testApp.app).post('/authorization/token').send(DEMO)));

      expect(responses.map((response) => response.status)).toEqual(Array(15).fill(200));
    });
  });

  describe('when many sign-ins with the right password arrive at once', () => {
    it('lets all 15 through with LOGIN_MAX_FAILURES=10: only refused passwords count', async () => {
      testApp = await createTestApp({ env: { LOGIN_MAX_FAILURES: '10' } });

      const responses = await Promise.all(Array.from({ length: 15 }, () => request(testApp.app).post('/authorization/token').send(DEMO)));

      expect(responses.map((response) => response.status)).toEqual(Array(15).fill(200));
    });
  });

  describe('when refreshes exceed REFRESH_RATE_LIMIT', () => {
    beforeEach(async () => {
      testApp = await createTestApp({ env: { REFRESH_RATE_LIMIT: '2' } });
    });

    it('answers 429 with Retry-After (P-26)', async () => {
      let { refreshToken } = await testApp.signIn();
      for (let attempt = 0; attempt < 2; attempt++) refreshToken = (await refresh(refreshToken).expect(200)).body.refreshToken;

      const blocked = await refresh(refreshToken);

      expect(blocked.status).toBe(429);
      expect(blocked.body.error).toBe('too_many_requests');
      expect(blocked.headers['retry-after']).toBeDefined();
    });
  });
});
