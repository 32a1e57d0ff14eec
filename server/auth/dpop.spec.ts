import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, type JWK, type JWTPayload } from 'jose';
import request from 'supertest';

import { REDIS, redisAnswers } from '../redis-test-server';
import { DEMO, createTestApp, type TestApp } from '../test-app';

/** The host every request names, so proofs can name it in `htu` before the ephemeral port is known. */
const HOST = 'api.example.test';

/** A client's DPoP key: the private half signs, the public half travels in each proof's header. */
interface ProofKey {
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  jwk: JWK;
  jkt: string;
}

async function newKey(alg = 'ES256'): Promise<ProofKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

describe('DPoP (RFC 9449)', () => {
  const apps: TestApp[] = [];
  let testApp: TestApp;
  let key: ProofKey;

  async function instance(env: Record<string, string>): Promise<TestApp> {
    const app = await createTestApp({ env: { DPOP: 'required', ACCESS_TOKEN_TTL_SECONDS: '60', ...env } });
    apps.push(app);
    return app;
  }

  /** A proof by `signer` for `htm` on `path` at the app's clock; `claims` and `header` change or add anything. */
  async function proof(
    htm: string,
    path: string,
    claims: JWTPayload = {},
    header: Record<string, unknown> = {},
    signer: ProofKey = key,
  ): Promise<string> {
    const payload = { jti: randomUUID(), htm, htu: `http://${HOST}${path}`, iat: Math.floor(testApp.now() / 1000), ...claims };
    return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: signer.jwk, ...header }).sign(signer.privateKey);
  }

  const post = (path: string, dpop?: string) => {
    const sent = request(testApp.app).post(path).set('Host', HOST);
    return dpop === undefined ? sent : sent.set('DPoP', dpop);
  };

  async function signIn(dpop?: string) {
    return post('/authorization/token', dpop ?? (await proof('POST', '/authorization/token'))).send(DEMO);
  }

  async function refresh(refreshToken: string, dpop?: string | null) {
    const sent =
      dpop === null
        ? post('/authorization/refresh')
        : post('/authorization/refresh', dpop ?? (await proof('POST', '/authorization/refresh')));
    return sent.send({ refreshToken });
  }

  async function getResources(accessToken: string, dpop?: string | null, scheme = 'DPoP') {
    const sent = request(testApp.app).get('/api/resources').set('Host', HOST).set('Authorization', `${scheme} ${accessToken}`);
    if (dpop === null) return sent;
    return sent.set('DPoP', dpop ?? (await proof('GET', '/api/resources', { ath: ath(accessToken) })));
  }

  async function start(env: Record<string, string> = {}): Promise<void> {
    testApp = await instance(env);
    key = await newKey();
  }

  const sessions = () => (testApp.db.prepare('SELECT COUNT(*) AS n FROM sessions').get() as { n: number }).n;

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  describe('with DPOP=required', () => {
    beforeEach(() => start());

    it('signs in with a proof: the access token is bound to its key (cnf.jkt), and its type is DPoP', async () => {
      const response = await signIn();

      expect(response.status).toBe(200);
      expect(response.body.tokenType).toBe('DPoP');
      expect(decodeJwt(response.body.authorizationToken)['cnf']).toEqual({ jkt: key.jkt });
    });

    it('refuses a sign-in without a proof', async () => {
      const response = await post('/authorization/token').send(DEMO);

      expect(response.status).toBe(400);
      expect(response.body.error).toBe('invalid_dpop_proof');
    });

    describe('refuses a proof', () => {
      const refusals: [string, () => Promise<string>][] = [
        [
          'signed by another key than the one in its header',
          async () => proof('POST', '/authorization/token', {}, { jwk: (await newKey()).jwk }),
        ],
        ['of another typ', () => proof('POST', '/authorization/token', {}, { typ: 'JWT' })],
        [
          'signed with another algorithm (ES384)',
          async () => {
            const es384 = await newKey('ES384');
            return proof('POST', '/authorization/token', {}, { alg: 'ES384', jwk: es384.jwk }, es384);
          },
        ],
        ['for another method', () => proof('GET', '/authorization/token')],
        ['for another path', () => proof('POST', '/authorization/refresh')],
        ['for another host', () => proof('POST', '/authorization/token', { htu: 'http://elsewhere.test/authorization/token' })],
        [
          'older than DPOP_PROOF_MAX_AGE_SECONDS',
          () => proof('POST', '/authorization/token', { iat: Math.floor(testApp.now() / 1000) - 61 }),
        ],
        ['from the future', () => proof('POST', '/authorization/token', { iat: Math.floor(testApp.now() / 1000) + 30 })],
        ['without a jti', () => proof('POST', '/authorization/token', { jti: undefined })],
        ['with an ath at the token endpoint', () => proof('POST', '/authorization/token', { ath: ath('anything') })],
        ['that is not a JWS at all', async () => 'not-a-proof'],
      ];
      for (const [what, make] of refusals) {
        it(`${what}, and opens no session`, async () => {
          const response = await signIn(await make());

          expect(response.status).toBe(400);
          expect(response.body.error).toBe('invalid_dpop_proof');
          expect(sessions()).toBe(0);
        });
      }

      it('with a private key in its header', async () => {
        const { privateKey } = await generateKeyPair('ES256', { extractable: true });
        const privateJwk = await exportJWK(privateKey);
        const response = await signIn(await proof('POST', '/authorization/token', {}, { jwk: privateJwk }, { ...key, privateKey }));

        expect(response.status).toBe(400);
      });

      it('used a second time (a replayed jti)', async () => {
        const used = await proof('POST', '/authorization/token');
        expect((await signIn(used)).status).toBe(200);

        const again = await signIn(used);

        expect(again.status).toBe(400);
        expect(again.body.error_description).toBe('The DPoP proof was used before');
      });

      it('sent in two DPoP headers', async () => {
        const proofs = [await proof('POST', '/authorization/token'), await proof('POST', '/authorization/token')];
        const server = testApp.app.listen(0, '127.0.0.1');
        await once(server, 'listening');
        try {
          const { port } = server.address() as AddressInfo;
          // node:http sends an array as one header line per value, as a client sending two proofs would.
          const sent = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: '/authorization/token' });
          sent.setHeader('Host', HOST);
          sent.setHeader('Content-Type', 'application/json');
          sent.setHeader('DPoP', proofs);
          sent.end(JSON.stringify(DEMO));
          const [response] = (await once(sent, 'response')) as [IncomingMessage];
          response.resume();

          expect(response.statusCode).toBe(400);
          expect(sessions()).toBe(0);
        } finally {
          server.close();
        }
      });
    });

    it('takes a proof whose htu carries a query (compared without query and fragment)', async () => {
      expect((await signIn(await proof('POST', '/authorization/token', { htu: `http://${HOST}/authorization/token?x=1#y` }))).status).toBe(
        200,
      );
    });

    describe('a session bound at sign-in', () => {
      it('refreshes with a proof of its key, to tokens bound to it', async () => {
        const { refreshToken } = (await signIn()).body;

        const response = await refresh(refreshToken);

        expect(response.status).toBe(200);
        expect(decodeJwt(response.body.authorizationToken)['cnf']).toEqual({ jkt: key.jkt });
      });

      it('refuses a refresh proved by another key, and the session goes on (a thief cannot end it either)', async () => {
        const { refreshToken } = (await signIn()).body;
        const thief = await newKey();

        const stolen = await refresh(refreshToken, await proof('POST', '/authorization/refresh', {}, { jwk: thief.jwk }, thief));

        expect(stolen.status).toBe(400);
        expect(stolen.body).toEqual({
          error: 'invalid_grant',
          error_description: 'The refresh token is bound to a DPoP key this request did not prove',
        });
        expect((await refresh(refreshToken)).status).toBe(200);
      });

      it('refuses a refresh without a proof', async () => {
        const { refreshToken } = (await signIn()).body;

        expect((await refresh(refreshToken, null)).status).toBe(400);
        expect((await refresh(refreshToken)).status).toBe(200);
      });

      it('does not revoke the session for a retired token presented with another key', async () => {
        const { refreshToken } = (await signIn()).body;
        const next = (await refresh(refreshToken)).body.refreshToken as string;
        const thief = await newKey();

        expect((await refresh(refreshToken, await proof('POST', '/authorization/refresh', {}, { jwk: thief.jwk }, thief))).status).toBe(
          400,
        );

        expect((await refresh(next)).status).toBe(200);
      });

      it('is logged out only with a proof of its key', async () => {
        const { refreshToken } = (await signIn()).body;
        const thief = await newKey();

        const stolen = await post(
          '/authorization/logout',
          await proof('POST', '/authorization/logout', {}, { jwk: thief.jwk }, thief),
        ).send({ refreshToken });
        expect(stolen.status).toBe(400);
        expect((await post('/authorization/logout', await proof('POST', '/authorization/logout')).send({ refreshToken })).status).toBe(204);

        expect((await refresh(refreshToken)).status).toBe(400);
      });
    });

    describe('/api/resources', () => {
      it('answers a DPoP token with a proof of its key and the token hash (ath)', async () => {
        const { authorizationToken } = (await signIn()).body;

        expect((await getResources(authorizationToken)).status).toBe(200);
      });

      it('refuses a bound token sent as Bearer (a copied token)', async () => {
        const { authorizationToken } = (await signIn()).body;

        const response = await getResources(authorizationToken, null, 'Bearer');

        expect(response.status).toBe(401);
        expect(response.headers['www-authenticate']).toMatch(/^DPoP algs="ES256", error="invalid_token"/);
      });

      it('refuses a bound token with a proof from another key', async () => {
        const { authorizationToken } = (await signIn()).body;
        const thief = await newKey();

        const response = await getResources(
          authorizationToken,
          await proof('GET', '/api/resources', { ath: ath(authorizationToken) }, { jwk: thief.jwk }, thief),
        );

        expect(response.status).toBe(401);
        expect(response.body.error).toBe('invalid_token');
      });

      it('refuses a DPoP token without a proof, with a proof for another token, or with a replayed proof', async () => {
        const { authorizationToken } = (await signIn()).body;
        const used = await proof('GET', '/api/resources', { ath: ath(authorizationToken) });
        expect((await getResources(authorizationToken, used)).status).toBe(200);

        const refused: [string, string | null][] = [
          ['no proof', null],
          ['a proof for another token', await proof('GET', '/api/resources', { ath: ath('another token') })],
          ['a proof without ath', await proof('GET', '/api/resources')],
          ['a replayed proof', used],
        ];
        for (const [what, dpop] of refused) {
          const response = await getResources(authorizationToken, dpop);
          expect(response.status).withContext(what).toBe(401);
          expect(response.headers['www-authenticate'])
            .withContext(what)
            .toMatch(/^DPoP algs="ES256", error="invalid_dpop_proof"/);
        }
      });

      it('refuses, as Bearer, a token issued before DPoP was required', async () => {
        const before = await createTestApp({ env: { DPOP: 'off', ACCESS_TOKEN_TTL_SECONDS: '60' }, startAt: testApp.now() });
        const { authorizationToken } = await before.signIn();
        await before.close({ removeDataDir: false });
        const after = await createTestApp({ dataDir: before.dataDir, env: { DPOP: 'required' }, startAt: testApp.now() });
        apps.push(after);

        const response = await request(after.app).get('/api/resources').set('Authorization', `Bearer ${authorizationToken}`);

        expect(response.status).toBe(401);
        expect(response.headers['www-authenticate']).toMatch(/^DPoP algs="ES256", error="invalid_token"/);
      });

      it('names DPoP as the scheme to use when no token is sent', async () => {
        const response = await request(testApp.app).get('/api/resources');

        expect(response.status).toBe(401);
        expect(response.headers['www-authenticate']).toBe('DPoP algs="ES256"');
      });
    });
  });

  describe('with DPOP=optional', () => {
    beforeEach(() => start({ DPOP: 'optional' }));

    it('still serves a client without DPoP, with Bearer tokens', async () => {
      const { authorizationToken, tokenType } = (await post('/authorization/token').send(DEMO)).body;

      expect(tokenType).toBe('Bearer');
      expect((await getResources(authorizationToken, null, 'Bearer')).status).toBe(200);
    });

    it('binds the session of a client that proves a key, and then requires the key', async () => {
      const { refreshToken, authorizationToken } = (await signIn()).body;

      expect((await refresh(refreshToken, null)).status).toBe(400);
      expect((await getResources(authorizationToken, null, 'Bearer')).status).toBe(401);
      expect((await refresh(refreshToken)).status).toBe(200);
    });

    it('answers a request without a token with both schemes', async () => {
      const response = await request(testApp.app).get('/api/resources');

      expect(response.headers['www-authenticate']).toBe('Bearer realm="api", DPoP algs="ES256"');
    });
  });

  describe('with DPOP=off', () => {
    beforeEach(() => start({ DPOP: 'off' }));

    it('ignores a DPoP header and refuses the DPoP scheme', async () => {
      const response = await signIn();
      expect(response.body.tokenType).toBe('Bearer');

      expect((await getResources(response.body.authorizationToken)).status).toBe(401);
    });
  });

  describe('with nonces (DPOP_NONCE_SECONDS)', () => {
    beforeEach(() => start({ DPOP_NONCE_SECONDS: '60' }));

    it('answers a proof without a nonce 400 use_dpop_nonce with the nonce to use, and takes it then', async () => {
      const first = await signIn();
      expect(first.status).toBe(400);
      expect(first.body.error).toBe('use_dpop_nonce');
      const nonce = first.headers['dpop-nonce'];

      const second = await signIn(await proof('POST', '/authorization/token', { nonce }));

      expect(second.status).toBe(200);
      expect(second.headers['dpop-nonce']).toBe(nonce);
    });

    it('rotates nonces: the previous one is still taken, the one before is not, and a forged one never', async () => {
      const nonce = (await signIn()).headers['dpop-nonce'];
      testApp.advance(60);
      expect((await signIn(await proof('POST', '/authorization/token', { nonce }))).status).toBe(200);
      testApp.advance(60);

      for (const stale of [nonce, `${nonce.split('.')[0]}.${randomBytes(16).toString('base64url')}`]) {
        const response = await signIn(await proof('POST', '/authorization/token', { nonce: stale }));
        expect(response.body.error).toBe('use_dpop_nonce');
      }
    });

    it('answers a resource request without the nonce 401 with a DPoP use_dpop_nonce challenge', async () => {
      const nonce = (await signIn()).headers['dpop-nonce'];
      const { authorizationToken } = (await signIn(await proof('POST', '/authorization/token', { nonce }))).body;

      const response = await getResources(authorizationToken);

      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^DPoP algs="ES256", error="use_dpop_nonce"/);
      expect(response.headers['dpop-nonce']).toBe(nonce);
      expect(
        (await getResources(authorizationToken, await proof('GET', '/api/resources', { ath: ath(authorizationToken), nonce }))).status,
      ).toBe(200);
    });

    it('agrees on nonces with another instance that shares JWT_SECRET, and with no other', async () => {
      const nonce = (await signIn()).headers['dpop-nonce'];
      const sibling = await instance({ DPOP_NONCE_SECONDS: '60', JWT_SECRET: testApp.config.jwtSecret });
      const stranger = await instance({ DPOP_NONCE_SECONDS: '60' });
      const at = async (app: TestApp) =>
        (
          await request(app.app)
            .post('/authorization/token')
            .set('Host', HOST)
            .set('DPoP', await proof('POST', '/authorization/token', { nonce }))
            .send(DEMO)
        ).status;

      expect(await at(sibling)).toBe(200);
      expect(await at(stranger)).toBe(400);
    });
  });

  describe('with cookie mode', () => {
    beforeEach(() => start());

    it('binds the refresh cookie to the key as well', async () => {
      const response = await post('/authorization/token', await proof('POST', '/authorization/token'))
        .set('Refresh-Token-Transport', 'cookie')
        .send(DEMO);
      const cookie = response.headers['set-cookie'] as unknown as string[];
      const thief = await newKey();
      const refreshWith = async (signer: ProofKey) =>
        post('/authorization/refresh', await proof('POST', '/authorization/refresh', {}, { jwk: signer.jwk }, signer))
          .set('Refresh-Token-Transport', 'cookie')
          .set('Sec-Fetch-Site', 'same-origin')
          .set(
            'Cookie',
            cookie.map((line) => line.split(';')[0]),
          )
          .send({});

      expect((await refreshWith(thief)).status).toBe(400);
      expect((await refreshWith(key)).status).toBe(200);
    });
  });

  describe('with Redis (REDIS_URL)', () => {
    let available = false;

    beforeAll(async () => {
      available = await redisAnswers();
    });

    it('refuses a proof replayed at another instance', async () => {
      if (!available) {
        pending(`Redis is not reachable at ${REDIS.host}:${REDIS.port}: skipped here (CI fails instead)`);
      }
      const env = { REDIS_URL: `redis://${REDIS.host}:${REDIS.port}`, REDIS_PREFIX: `atr-spec:${randomBytes(6).toString('hex')}:` };
      await start(env);
      const sibling = await instance({ JWT_SECRET: testApp.config.jwtSecret, ...env });
      // Each opens its Redis connection in the background, and answers 503 until it is up.
      const connected = async (app: TestApp) => {
        for (let tries = 0; tries < 50; tries++) {
          const status = (
            await request(app.app)
              .post('/authorization/token')
              .set('Host', HOST)
              .set('DPoP', await proof('POST', '/authorization/token'))
              .send(DEMO)
          ).status;
          if (status !== 503) return status;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        return 503;
      };
      expect(await connected(testApp)).toBe(200);
      expect(await connected(sibling)).toBe(200);
      const used = await proof('POST', '/authorization/token');
      expect((await signIn(used)).status).toBe(200);

      const replayed = await request(sibling.app).post('/authorization/token').set('Host', HOST).set('DPoP', used).send(DEMO);

      expect(replayed.status).toBe(400);
      expect(replayed.body.error_description).toBe('The DPoP proof was used before');
    });
  });
});
