import request from 'supertest';

import { StoreUnavailableError } from '../store/auth-store';
import { createTestApp, DEMO, type TestApp } from '../test-app';
import { REFRESH_COOKIE } from './refresh-cookie';

const COOKIE_MODE = { 'Refresh-Token-Transport': 'cookie' };
const SAME_ORIGIN = { ...COOKIE_MODE, 'Sec-Fetch-Site': 'same-origin' };
/** What a page of another app on this host (another port: same-site, cross-origin) can make a browser send. */
const OTHER_PORT = { Origin: 'http://localhost:8080', 'Sec-Fetch-Site': 'same-site' };

describe('refresh token cookie (cookie mode)', () => {
  let testApp: TestApp;

  beforeEach(async () => {
    testApp = await createTestApp({ env: { CORS_ORIGINS: 'http://localhost:4200' } });
  });

  afterEach(() => testApp.close());

  /** Signs in in cookie mode and returns the `name=value` of the refresh cookie it set. */
  async function signInWithCookie(): Promise<string> {
    const response = await request(testApp.app).post('/authorization/token').set(COOKIE_MODE).send(DEMO).expect(200);
    return cookieOf(response.headers['set-cookie']);
  }

  function refreshWith(cookie: string, headers: Record<string, string> = SAME_ORIGIN) {
    return request(testApp.app)
      .post('/authorization/refresh')
      .set({ Cookie: cookie, ...headers })
      .send({});
  }

  it('sets the refresh token as an HttpOnly, Secure, SameSite=Strict __Secure- cookie on /authorization, and leaves it out of the body', async () => {
    const response = await request(testApp.app).post('/authorization/token').set(COOKIE_MODE).send(DEMO).expect(200);

    const [setCookie] = response.headers['set-cookie'] as unknown as string[];
    expect(setCookie).toMatch(new RegExp(`^${REFRESH_COOKIE}=[\\w.-]+; `));
    const attributes = setCookie.split('; ').slice(1);
    expect(attributes).toEqual(
      jasmine.arrayWithExactContents([
        `Max-Age=${testApp.config.sessionTtlSeconds}`,
        'Path=/authorization',
        jasmine.stringMatching(/^Expires=/),
        'HttpOnly',
        'Secure',
        'SameSite=Strict',
      ]),
    );
    expect(Object.keys(response.body).sort()).toEqual(['authorizationToken', 'expiresIn', 'tokenType', 'userId', 'userName']);
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it("answers the seed's own client, which does not ask, with today's body and no cookie", async () => {
    const response = await request(testApp.app).post('/authorization/token').send(DEMO).expect(200);
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(response.body.refreshToken).toEqual(jasmine.any(String));
  });

  it('rotates from the cookie, with a cookie that lives no longer than what is left of the session', async () => {
    const first = await signInWithCookie();
    testApp.advance(1_000);

    const response = await refreshWith(first).expect(200);
    const second = cookieOf(response.headers['set-cookie']);

    expect(second).not.toBe(first);
    expect(response.body.refreshToken).toBeUndefined();
    expect(response.body.authorizationToken).toEqual(jasmine.any(String));
    expect(maxAgeOf(response.headers['set-cookie'])).toBe(testApp.config.sessionTtlSeconds - 1_000);
  });

  it('accepts an Origin that is the server itself or one of CORS_ORIGINS instead of Sec-Fetch-Site', async () => {
    const cookie = await signInWithCookie();
    const listed = await refreshWith(cookie, { ...COOKIE_MODE, Origin: 'http://localhost:4200' }).expect(200);
    const host = '127.0.0.1:7000';
    await request(testApp.app)
      .post('/authorization/refresh')
      .set({ Cookie: cookieOf(listed.headers['set-cookie']), ...COOKIE_MODE, Host: host, Origin: `http://${host}` })
      .send({})
      .expect(200);
  });

  describe('refuses with 403, rotating and revoking nothing, what another page can make a browser send', () => {
    const attempts: { name: string; path: string; headers: Record<string, string>; form?: boolean }[] = [];
    for (const path of ['/authorization/refresh', '/authorization/logout']) {
      attempts.push(
        { name: `a form post to ${path} from another port`, path, headers: OTHER_PORT, form: true },
        { name: `a fetch with credentials to ${path} without the header`, path, headers: OTHER_PORT },
        {
          name: `a fetch with credentials to ${path} with the header, from another port`,
          path,
          headers: { ...OTHER_PORT, ...COOKIE_MODE },
        },
        { name: `a request to ${path} with the header but no Origin and no Sec-Fetch-Site`, path, headers: COOKIE_MODE },
        { name: `a same-origin request to ${path} without the header`, path, headers: { 'Sec-Fetch-Site': 'same-origin' } },
      );
    }
    for (const attempt of attempts) {
      it(attempt.name, async () => {
        const cookie = await signInWithCookie();
        const sent = request(testApp.app)
          .post(attempt.path)
          .set({ Cookie: cookie, ...attempt.headers });
        const response = await (attempt.form ? sent.type('form').send('refreshToken=') : sent.send({}));

        expect(response.status).toBe(403);
        expect(response.body.error).toBe('forbidden');
        expect(response.headers['set-cookie']).toBeUndefined();
        // The cookie still works, once: nothing was rotated, revoked or logged out.
        await refreshWith(cookie).expect(200);
      });
    }
  });

  it('allows credentialed CORS only for CORS_ORIGINS', async () => {
    const preflight = (origin: string) =>
      request(testApp.app).options('/authorization/refresh').set({
        Origin: origin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type,refresh-token-transport',
      });
    const allowed = await preflight('http://localhost:4200');
    expect(allowed.headers['access-control-allow-origin']).toBe('http://localhost:4200');
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');
    const foreign = await preflight('http://localhost:8080');
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('detects reuse as it does for bodies: a spent cookie revokes the session and is cleared', async () => {
    const first = await signInWithCookie();
    const second = cookieOf((await refreshWith(first).expect(200)).headers['set-cookie']);

    const reuse = await refreshWith(first).expect(400);
    expect(reuse.body.error).toBe('invalid_grant');
    expect(maxAgeOf(reuse.headers['set-cookie'])).toBe(0);
    await refreshWith(second).expect(400);
  });

  describe('when a refresh comes again with its Refresh-Attempt id (its answer was lost: a reload mid-refresh)', () => {
    const attempt = { 'Refresh-Attempt': 'rotation-0123456789abcdef' };

    it('answers it again with the same rotation instead of revoking, and only until the next rotation', async () => {
      const first = await signInWithCookie();
      const answered = await refreshWith(first, { ...SAME_ORIGIN, ...attempt }).expect(200);
      const again = await refreshWith(first, { ...SAME_ORIGIN, ...attempt }).expect(200);

      expect(cookieOf(again.headers['set-cookie'])).toBe(cookieOf(answered.headers['set-cookie']));
      const next = cookieOf((await refreshWith(cookieOf(again.headers['set-cookie'])).expect(200)).headers['set-cookie']);
      // After the next rotation the old pair is plain reuse again.
      await refreshWith(first, { ...SAME_ORIGIN, ...attempt }).expect(400);
      await refreshWith(next).expect(400);
    });

    it('still revokes for the old token with another attempt id, or with none', async () => {
      for (const other of [{ 'Refresh-Attempt': 'another-attempt-0000000' }, {}] as Record<string, string>[]) {
        const first = await signInWithCookie();
        const second = cookieOf((await refreshWith(first, { ...SAME_ORIGIN, ...attempt }).expect(200)).headers['set-cookie']);
        await refreshWith(first, { ...SAME_ORIGIN, ...other }).expect(400);
        await refreshWith(second).expect(400);
      }
    });

    it('refuses a malformed attempt id with 400, rotating nothing', async () => {
      const cookie = await signInWithCookie();
      for (const bad of ['short', 'x'.repeat(129), 'has spaces in it here', 'semi;colon-0123456789']) {
        const response = await refreshWith(cookie, { ...SAME_ORIGIN, 'Refresh-Attempt': bad }).expect(400);
        expect(response.body.error).toBe('invalid_request');
      }
      await refreshWith(cookie).expect(200);
    });
  });

  it('keeps the cookie, and answers 503 with Retry-After, while the database is unavailable', async () => {
    const cookie = await signInWithCookie();
    const findSession = spyOn(testApp.store, 'findSession').and.rejectWith(new StoreUnavailableError(new Error('ECONNREFUSED')));

    const away = await refreshWith(cookie);
    findSession.and.callThrough();
    const back = await refreshWith(cookie);

    expect(away.status).toBe(503);
    expect(away.headers['retry-after']).toBe('5');
    expect(away.headers['set-cookie']).withContext('nothing was decided, so the cookie stays').toBeUndefined();
    expect(back.status).toBe(200);
  });

  it('logs out from the cookie and clears it with Max-Age=0', async () => {
    const cookie = await signInWithCookie();
    const response = await request(testApp.app)
      .post('/authorization/logout')
      .set({ Cookie: cookie, ...SAME_ORIGIN })
      .send({})
      .expect(204);

    expect(maxAgeOf(response.headers['set-cookie'])).toBe(0);
    expect(cookieOf(response.headers['set-cookie'])).toBe(`${REFRESH_COOKIE}=`);
    await refreshWith(cookie).expect(400);
  });

  it('prefers a token in the body, so a stray cookie never changes what the seed client gets', async () => {
    const cookie = await signInWithCookie();
    const bodyToken = (await testApp.signIn()).refreshToken;
    const response = await request(testApp.app)
      .post('/authorization/refresh')
      .set({ Cookie: cookie })
      .send({ refreshToken: bodyToken })
      .expect(200);

    expect(response.body.refreshToken).toEqual(jasmine.any(String));
    expect(response.headers['set-cookie']).toBeUndefined();
    await refreshWith(cookie).expect(200);
  });

  it('throttles cookie refreshes like body refreshes', async () => {
    await testApp.close();
    testApp = await createTestApp({ env: { REFRESH_RATE_LIMIT: '2' } });
    let cookie = await signInWithCookie();
    for (let i = 0; i < 2; i++) {
      cookie = cookieOf((await refreshWith(cookie).expect(200)).headers['set-cookie']);
    }
    const throttled = await refreshWith(cookie).expect(429);
    expect(throttled.body.error).toBe('too_many_requests');
  });

  it('refuses an oversized or forged cookie with 400, never a 5xx', async () => {
    await refreshWith(`${REFRESH_COOKIE}=${'a'.repeat(5_000)}`).expect(400);
    await refreshWith(`${REFRESH_COOKIE}=forged.0.AAAA`).expect(400);
    await refreshWith(`${REFRESH_COOKIE}=%E0%A4%A`).expect(400);
  });
});

function cookieOf(setCookie: unknown): string {
  const [first] = setCookie as string[];
  return first.slice(0, first.indexOf(';'));
}

function maxAgeOf(setCookie: unknown): number {
  return Number(/Max-Age=(\d+)/.exec((setCookie as string[])[0])?.[1]);
}
