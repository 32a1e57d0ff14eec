import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import jwt from 'jsonwebtoken';
import request from 'supertest';

import { spawnListening, type ListeningProcess } from '../spawn-listening';
import { signInOver, startTokenServer, type TokenServer } from '../start-token-server';
import { createTestDatabase, postgresAnswers, type TestDatabase } from '../store/postgres-test-database';
import { appAccessKey, createTestApp, forgeJwt, validClaims, type TestApp } from '../test-app';

const ROOT = join(__dirname, '..', '..');
const run = (args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) => promisify(execFile)(process.execPath, args, options);

/** The `kid` in a token's header; '' for none. */
const kidOf = (token: string) => jwt.decode(token, { complete: true })?.header.kid ?? '';

/** An ES256 access token with `claims`, signed by a key the server never had. */
function signWithStrangerKey(claims: object, kid: string): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return jwt.sign(claims, privateKey, { algorithm: 'ES256', header: { alg: 'ES256', typ: 'at+jwt', kid } });
}

describe('ES256 access tokens (JWT_ALG=ES256)', () => {
  let testApp: TestApp;

  beforeEach(async () => {
    testApp = await createTestApp({ env: { JWT_ALG: 'ES256', KEY_RELOAD_SECONDS: '60', ACCESS_TOKEN_TTL_SECONDS: '300' } });
  });

  afterEach(async () => {
    await testApp.close();
  });

  const jwks = async () => (await request(testApp.app).get('/.well-known/jwks.json').expect(200)).body.keys as { kid: string }[];
  const resources = (token: string) => request(testApp.app).get('/api/resources').auth(token, { type: 'bearer' });

  it('signs with a kid that the JWKS publishes, with cache headers, and verifies its own tokens', async () => {
    const { authorizationToken } = await testApp.signIn();

    expect(jwt.decode(authorizationToken, { complete: true })!.header).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: jasmine.any(String) });
    const response = await request(testApp.app).get('/.well-known/jwks.json');
    expect(response.headers['cache-control']).toBe('public, max-age=300');
    expect(response.body).toEqual({
      keys: [
        {
          kty: 'EC',
          crv: 'P-256',
          x: jasmine.any(String),
          y: jasmine.any(String),
          kid: kidOf(authorizationToken),
          alg: 'ES256',
          use: 'sig',
        },
      ],
    });
    expect((await resources(authorizationToken)).status).toBe(200);
  });

  it('refuses an HS256 token made with JWT_SECRET, an unsigned one, and one whose kid it never issued', async () => {
    const { authorizationToken } = await testApp.signIn();
    const kid = kidOf(authorizationToken);
    const claims = validClaims(testApp);

    const forgeries = [
      forgeJwt({ alg: 'HS256', typ: 'at+jwt', kid }, claims, appAccessKey(testApp.config)),
      forgeJwt({ alg: 'none', typ: 'at+jwt', kid }, claims),
      signWithStrangerKey(claims, kid),
      signWithStrangerKey(claims, 'unknown-kid'),
    ];

    for (const forged of forgeries) expect((await resources(forged)).status).toBe(401);
  });

  it('publishes a rotated key at once, signs with it after KEY_RELOAD_SECONDS, and drops the old one once its tokens expired', async () => {
    const before = await testApp.signIn();
    const oldKid = kidOf(before.authorizationToken);
    testApp.advance(1);

    const newKid = await testApp.keys!.rotate();

    expect((await jwks()).map((key) => key.kid)).toEqual([newKid, oldKid]);
    expect(kidOf((await testApp.signIn()).authorizationToken))
      .withContext('not yet: verifiers may not know it')
      .toBe(oldKid);
    testApp.advance(60);
    const after = await testApp.signIn();
    expect(kidOf(after.authorizationToken)).toBe(newKid);
    expect((await resources(before.authorizationToken)).status).toBe(200);
    expect((await resources(after.authorizationToken)).status).toBe(200);

    // Old tokens were signed until the switch, 60 s after the rotation, and live 300 s; one more reload interval on top.
    testApp.advance(60 + 300 - 1);
    await testApp.keys!.reload();
    expect((await jwks()).length).toBe(2);
    testApp.advance(1);
    await testApp.keys!.reload();
    expect((await jwks()).map((key) => key.kid)).toEqual([newKid]);
  });

  it('adds a key by itself once the newest is KEY_ROTATION_DAYS old, on the next reload tick', async () => {
    jasmine.clock().install();
    const stop = testApp.keys!.start(7);
    const tick = async () => {
      jasmine.clock().tick(60_000);
      // The tick's store calls settle in microtasks, all run before the next macrotask.
      await new Promise((resolve) => setImmediate(resolve));
    };
    try {
      testApp.advance(7 * 86_400 - 120);
      await tick();
      expect((await jwks()).length).toBe(1);
      testApp.advance(120);
      await tick();
      expect((await jwks()).length).toBe(2);
      await tick();
      expect((await jwks()).length)
        .withContext('only one per period')
        .toBe(2);
    } finally {
      stop();
      jasmine.clock().uninstall();
    }
  });

  it('has no JWKS with HS256, whose key is secret', async () => {
    const hs256 = await createTestApp();

    expect((await request(hs256.app).get('/.well-known/jwks.json')).status).toBe(404);
    await hs256.close();
  });
});

describe('a service that knows only the JWKS URL (jose createRemoteJWKSet), beside two ES256 token servers on PostgreSQL', () => {
  let available = false;
  let database: TestDatabase;
  let servers: TokenServer[] = [];
  let verifier: ListeningProcess;

  const env = () => ({ DATABASE_URL: database.url, JWT_ALG: 'ES256', KEY_RELOAD_SECONDS: '1' });

  beforeAll(async () => {
    available = await postgresAnswers();
    if (!available) return;
    database = await createTestDatabase();
    servers = await Promise.all([startTokenServer(env()), startTokenServer(env())]);
    verifier = await spawnListening(
      ['--import', 'tsx', join(ROOT, 'server/jwks-resource-server.ts')],
      { JWKS_URL: `${servers[1].url}/.well-known/jwks.json`, JWKS_COOLDOWN_SECONDS: '1' },
      ROOT,
    );
  }, 60_000);

  afterAll(async () => {
    await verifier?.stop();
    await Promise.all(servers.map((server) => server.stop()));
    await database?.drop();
  });

  beforeEach(() => {
    if (!available) pending('PostgreSQL does not answer: the JWKS specs are skipped');
  });

  const signIn = async (server: TokenServer) => (await signInOver(server.url)).authorizationToken;
  const whoami = async (token: string) => {
    const response = await fetch(`${verifier.url}/whoami`, { headers: { Authorization: `Bearer ${token}` } });
    return {
      status: response.status,
      body: (await response.json()) as { sub?: string; kid?: string; error?: string; error_description?: string },
    };
  };

  it('verifies tokens from either instance, old and new after `keys:rotate`, and refuses an unknown kid', async () => {
    const before = await signIn(servers[0]);
    expect(await whoami(before)).toEqual({ status: 200, body: { sub: jasmine.any(String), kid: kidOf(before) } });

    const rotate = await run(['--import', 'tsx', join(ROOT, 'server/keys-rotate.ts')], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'], ...env(), DATA_DIR: servers[0].dataDir },
    });
    const newKid = /New signing key (\S+)/.exec(rotate.stdout)?.[1];
    expect(newKid).toMatch(/^[\w-]{16}$/);

    // Within two reload intervals both instances have switched to the new key.
    let after = '';
    for (let attempt = 0; attempt < 50 && kidOf(after) !== newKid; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await signIn(servers[attempt % 2]);
    }
    expect(kidOf(after)).toBe(newKid!);
    expect((await whoami(after)).body.kid).toBe(newKid!);
    expect((await whoami(before)).body.kid).toBe(kidOf(before));

    const stranger = signWithStrangerKey(jwt.decode(after) as object, 'a-kid-nobody-issued');
    expect(await whoami(stranger)).toEqual({
      status: 401,
      body: { error: 'invalid_token', error_description: 'The access token is invalid (ERR_JWKS_NO_MATCHING_KEY)' },
    });
  });
});
