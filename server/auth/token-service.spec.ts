import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';

import { appAccessKey, createTestApp, DEMO, type TestApp } from '../test-app';
import { PasswordHasher } from './password-hasher';
import { TokenService } from './token-service';

describe('TokenService', () => {
  let testApp: TestApp;
  let tokens: TokenService;

  beforeEach(async () => {
    testApp = await createTestApp();
    tokens = new TokenService({
      config: testApp.config,
      store: testApp.store,
      passwords: new PasswordHasher(),
      now: () => testApp.now(),
    });
  });

  afterEach(async () => {
    await testApp.close();
  });

  describe('when another service holds JWT_SECRET', () => {
    it('can verify our access tokens with it as the HS256 key, as the contract says', async () => {
      const response = await tokens.signIn(DEMO.userName, DEMO.password);

      const claims = jwt.verify(response.authorizationToken, testApp.config.jwtSecret, {
        algorithms: ['HS256'],
        clockTimestamp: Math.floor(testApp.now() / 1000),
      }) as jwt.JwtPayload;

      expect(claims['name']).toBe('demo');
    });
  });

  describe('when the user is unknown', () => {
    it('still runs a full password check, so timing does not tell which names exist (P-9)', async () => {
      const verify = spyOn(PasswordHasher.prototype, 'verify').and.callThrough();
      const unknown = new TokenService({
        config: testApp.config,
        store: testApp.store,
        passwords: new PasswordHasher(),
        now: () => testApp.now(),
      });

      await expectAsync(unknown.signIn('nobody', 'some-password')).toBeRejected();

      expect(verify).toHaveBeenCalledOnceWith('some-password', undefined, undefined);
    });
  });

  describe('when signing in', () => {
    it('issues an at+jwt access token with a jti, sub, name, sid, iat from the clock, exp, iss and aud', async () => {
      const response = await tokens.signIn(DEMO.userName, DEMO.password);

      const decoded = jwt.decode(response.authorizationToken, { complete: true })!;
      const iat = Math.floor(testApp.now() / 1000);
      expect(decoded.header).toEqual({ alg: 'HS256', typ: 'at+jwt' });
      expect(decoded.payload).toEqual({
        jti: jasmine.stringMatching(/^[0-9a-f-]{36}$/),
        sub: response.userId,
        name: 'demo',
        sid: response.refreshToken.split('.')[0],
        iat,
        exp: iat + 300,
        iss: 'angular-token-refresh',
        aud: 'angular-token-refresh-api',
      });
      expect(response.expiresIn).toBe(300);
    });
  });

  describe('when tokens are at rest', () => {
    it('keeps no refresh token or MAC in the database files', async () => {
      const first = await tokens.signIn(DEMO.userName, DEMO.password);
      const second = await tokens.refresh(first.refreshToken);

      const files = ['auth.db', 'auth.db-wal'].map((name) => readFileSync(join(testApp.dataDir, name)).toString('latin1'));
      for (const token of [first.refreshToken, second.refreshToken]) {
        const mac = token.split('.')[2];
        for (const file of files) expect(file.includes(mac)).toBeFalse();
      }
      expect(Object.keys(testApp.db.prepare('SELECT * FROM sessions').get() as object)).toEqual([
        'id',
        'user_id',
        'counter',
        'created_at',
        'expires_at',
        'rotated_at',
        'revoked_at',
        'revoke_reason',
        // The client's own id for its last refresh (a rotation id it made up), never a token.
        'last_attempt',
        // The thumbprint of the session's DPoP public key: public, and useless without the private key.
        'jkt',
      ]);
    });
  });

  describe('when a refresh token is MACed with another key', () => {
    it('refuses it: the access-token key and JWT_SECRET cannot mint refresh tokens', async () => {
      const { refreshToken } = await tokens.signIn(DEMO.userName, DEMO.password);
      const [sessionId, counter] = refreshToken.split('.');
      const macWith = (key: Buffer) => createHmac('sha256', key).update(`${sessionId}.${counter}`).digest('base64url');

      const keys = [appAccessKey(testApp.config), Buffer.from(testApp.config.jwtSecret)];

      for (const key of keys) {
        await expectAsync(tokens.refresh(`${sessionId}.${counter}.${macWith(key)}`)).toBeRejectedWith(
          jasmine.objectContaining({ status: 400, code: 'invalid_grant' }),
        );
      }
      expect((await tokens.refresh(refreshToken)).userName).toBe('demo');
    });
  });

  describe('when verifying its own access token', () => {
    it('returns the claims', async () => {
      const { authorizationToken, userId } = await tokens.signIn(DEMO.userName, DEMO.password);

      const check = await tokens.verifyAccessToken(authorizationToken);

      expect(check.valid && check.claims.sub).toBe(userId);
    });
  });

  describe('when verifying an access token it verified before', () => {
    function serviceWithCache(size: number): TokenService {
      return new TokenService({
        config: { ...testApp.config, verifyCacheSize: size },
        store: testApp.store,
        passwords: new PasswordHasher(),
        now: () => testApp.now(),
      });
    }

    it('checks it once, then answers from the cache until it expires, and refuses it after', async () => {
      const cached = serviceWithCache(100);
      const { authorizationToken } = await cached.signIn(DEMO.userName, DEMO.password);
      const verify = spyOn(jwt, 'verify').and.callThrough();

      for (let i = 0; i < 5; i++) expect((await cached.verifyAccessToken(authorizationToken)).valid).toBeTrue();
      expect(verify).toHaveBeenCalledTimes(1);

      testApp.advance(testApp.config.accessTokenTtlSeconds);
      expect(await cached.verifyAccessToken(authorizationToken)).toEqual({ valid: false, reason: 'The access token expired' });
    });

    it('never keeps a refused token, so forgeries are checked every time', async () => {
      const cached = serviceWithCache(100);
      const { authorizationToken } = await cached.signIn(DEMO.userName, DEMO.password);
      const forged = `${authorizationToken.slice(0, -2)}xx`;
      const verify = spyOn(jwt, 'verify').and.callThrough();

      for (let i = 0; i < 3; i++) expect((await cached.verifyAccessToken(forged)).valid).toBeFalse();
      expect(verify).toHaveBeenCalledTimes(3);
    });

    it('keeps at most VERIFY_CACHE_SIZE tokens, and none with 0', async () => {
      const verify = spyOn(jwt, 'verify').and.callThrough();
      for (const size of [2, 0]) {
        const cached = serviceWithCache(size);
        const issued = [];
        for (let i = 0; i < 3; i++) issued.push((await cached.signIn(DEMO.userName, DEMO.password)).authorizationToken);
        for (const token of issued) await cached.verifyAccessToken(token);
        verify.calls.reset();

        // Newest first: with room for 2, the two newest are answered from the cache and the oldest, let go, is checked
        // again; with none, every check verifies again.
        for (const token of [...issued].reverse()) expect((await cached.verifyAccessToken(token)).valid).toBeTrue();
        expect(verify)
          .withContext(`size ${size}`)
          .toHaveBeenCalledTimes(size === 2 ? 1 : 3);
      }
    });
  });
});
