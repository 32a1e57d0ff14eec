import { generateKeyPairSync } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import jwt from 'jsonwebtoken';
import request from 'supertest';

import { createTestDatabase, postgresAnswers, type TestDatabase } from './store/postgres-test-database';
import { appAccessKey, appRefreshKey, createTestApp, DEMO, forgeJwt, validClaims, type TestApp } from './test-app';

/** One hostile request, its row in docs/server-checklist.md, and the exact answer docs/api-contract.md requires. */
interface Row {
  id: string;
  input: string;
  send: (testApp: TestApp) => Promise<request.Response>;
  status: number;
  error?: string;
  wwwAuthenticate?: string | RegExp;
}

const INVALID_TOKEN_HEADER = /^Bearer realm="api", error="invalid_token", error_description="The access token is invalid"$/;
const ANY_INVALID_TOKEN_HEADER = /^Bearer realm="api", error="invalid_token", error_description="[^"]+"$/;

function postJson(path: string, body: unknown) {
  return (testApp: TestApp) => request(testApp.app).post(path).set('Content-Type', 'application/json').send(JSON.stringify(body));
}

function postRaw(path: string, body: string | Buffer, headers: Record<string, string>) {
  // The identity serializer keeps superagent from JSON-encoding a Buffer body.
  return (testApp: TestApp) =>
    request(testApp.app)
      .post(path)
      .set(headers)
      .serialize((raw) => raw)
      .send(body);
}

function getResources(authorization: (testApp: TestApp) => string | Promise<string>, query = '') {
  return async (testApp: TestApp) =>
    request(testApp.app)
      .get(`/api/resources${query}`)
      .set('Authorization', await authorization(testApp));
}

function forged(edit: (claims: Record<string, unknown>) => Record<string, unknown>, header: Record<string, unknown> = {}) {
  return (testApp: TestApp) =>
    `Bearer ${forgeJwt({ alg: 'HS256', typ: 'at+jwt', ...header }, edit(validClaims(testApp)), appAccessKey(testApp.config))}`;
}

function without(name: string) {
  return (claims: Record<string, unknown>) => {
    const { [name]: _removed, ...rest } = claims;
    return rest;
  };
}

const signIn = '/authorization/token';
const refresh = '/authorization/refresh';
const logout = '/authorization/logout';
const json = { 'Content-Type': 'application/json' };
const padding = ' '.repeat(100 * 1024);

const rows: Row[] = [
  // A. POST /authorization/token
  { id: 'P-1', input: 'malformed JSON', send: postRaw(signIn, '{"userName":', json), status: 400, error: 'invalid_request' },
  {
    id: 'P-2',
    input: 'a 11 kB body',
    send: postJson(signIn, { userName: 'demo', password: 'x'.repeat(11 * 1024) }),
    status: 413,
    error: 'invalid_request',
  },
  {
    id: 'P-2',
    input: 'a gzip body that inflates past 10 kB',
    send: postRaw(signIn, gzipSync(`{"userName":"demo",${padding}"password":"x"}`), { ...json, 'Content-Encoding': 'gzip' }),
    status: 413,
    error: 'invalid_request',
  },
  {
    id: 'P-3',
    input: 'Content-Type text/plain',
    send: postRaw(signIn, JSON.stringify(DEMO), { 'Content-Type': 'text/plain' }),
    status: 400,
    error: 'invalid_request',
  },
  {
    id: 'P-3',
    input: 'no Content-Type',
    send: (t) =>
      request(t.app)
        .post(signIn)
        .send(Buffer.from(JSON.stringify(DEMO))),
    status: 400,
    error: 'invalid_request',
  },
  {
    id: 'P-3',
    input: 'a form-urlencoded body',
    send: postRaw(signIn, 'userName=demo&password=demo-password', { 'Content-Type': 'application/x-www-form-urlencoded' }),
    status: 400,
    error: 'invalid_request',
  },
  {
    id: 'P-3',
    input: 'an unsupported Content-Encoding',
    send: postRaw(signIn, JSON.stringify(DEMO), { ...json, 'Content-Encoding': 'compress' }),
    status: 415,
    error: 'invalid_request',
  },
  {
    id: 'P-3',
    input: 'an unsupported charset',
    send: postRaw(signIn, JSON.stringify(DEMO), { 'Content-Type': 'application/json; charset=latin1' }),
    status: 415,
    error: 'invalid_request',
  },
  {
    id: 'P-3',
    input: 'a UTF-7 charset, which body-parser decodes',
    send: postRaw(signIn, JSON.stringify(DEMO), { 'Content-Type': 'application/json; charset=utf-7' }),
    status: 415,
    error: 'invalid_request',
  },
  {
    id: 'P-3',
    input: 'a UTF-16 charset',
    send: postRaw(signIn, Buffer.from(JSON.stringify(DEMO), 'utf16le'), { 'Content-Type': 'application/json; charset=utf-16le' }),
    status: 415,
    error: 'invalid_request',
  },
  {
    id: 'P-2',
    input: 'a declared 1 TB body',
    send: (t) =>
      request(t.app)
        .post(signIn)
        .set({ ...json, 'Content-Length': '1000000000000' })
        .serialize((raw) => raw)
        .send('{}'),
    status: 413,
    error: 'invalid_request',
  },
  {
    id: 'P-10',
    input: 'a non-IP X-Forwarded-For',
    send: (t) =>
      request(t.app)
        .post(signIn)
        .set({ ...json, 'X-Forwarded-For': 'not-an-ip' })
        .send(JSON.stringify({ ...DEMO, password: 'wrong' })),
    status: 401,
    error: 'invalid_credentials',
  },
  { id: 'P-4', input: 'a top-level string', send: postRaw(signIn, '"str"', json), status: 400, error: 'invalid_request' },
  { id: 'P-4', input: 'a top-level number', send: postRaw(signIn, '123', json), status: 400, error: 'invalid_request' },
  { id: 'P-4', input: 'a top-level null', send: postRaw(signIn, 'null', json), status: 400, error: 'invalid_request' },
  { id: 'P-4', input: 'a top-level array', send: postRaw(signIn, '[]', json), status: 400, error: 'invalid_request' },
  {
    id: 'P-5',
    input: 'a numeric userName',
    send: postJson(signIn, { userName: 123, password: 'x' }),
    status: 400,
    error: 'invalid_request',
  },
  {
    id: 'P-5',
    input: 'an array userName',
    send: postJson(signIn, { userName: ['demo'], password: 'demo-password' }),
    status: 400,
    error: 'invalid_request',
  },
  {
    id: 'P-5',
    input: 'a {"$ne": null} password',
    send: postJson(signIn, { userName: 'demo', password: { $ne: null } }),
    status: 400,
    error: 'invalid_request',
  },
  {
    id: 'P-5',
    input: 'password true',
    send: postJson(signIn, { userName: 'demo', password: true }),
    status: 400,
    error: 'invalid_request',
  },
  {
    id: 'P-5',
    input: 'password null',
    send: postJson(signIn, { userName: 'demo', password: null }),
    status: 400,
    error: 'invalid_request',
  },
  { id: 'P-5', input: 'password {}', send: postJson(signIn, { userName: 'demo', password: {} }), status: 400, error: 'invalid_request' },
  // PostgreSQL's text cannot hold U+0000 and refuses the query; a name with control characters is malformed anyway.
  ...[
    ['de\u0000mo', '0000'],
    ['demo\n', '000a'],
    ['de\u001bmo', '001b'],
    ['demo\u007f', '007f'],
  ].map(([userName, code]): Row => ({
    id: 'P-5',
    input: `a userName with the control character U+${code}`,
    send: postJson(signIn, { userName, password: 'demo-password' }),
    status: 400,
    error: 'invalid_request',
  })),
  {
    id: 'P-5',
    input: 'a userName with a lone surrogate',
    send: postRaw(signIn, '{"userName":"de\\ud800mo","password":"demo-password"}', json),
    status: 401,
    error: 'invalid_credentials',
  },
  {
    id: 'P-5',
    input: 'a password with U+0000',
    send: postJson(signIn, { userName: 'demo', password: 'demo\u0000password' }),
    status: 401,
    error: 'invalid_credentials',
  },
  { id: 'P-6', input: 'an empty object', send: postJson(signIn, {}), status: 400, error: 'invalid_request' },
  { id: 'P-6', input: 'no password', send: postJson(signIn, { userName: 'demo' }), status: 400, error: 'invalid_request' },
  {
    id: 'P-6',
    input: 'an empty userName',
    send: postJson(signIn, { userName: '', password: 'demo-password' }),
    status: 400,
    error: 'invalid_request',
  },
  {
    id: 'P-6',
    input: 'a whitespace-only password',
    send: postJson(signIn, { userName: 'demo', password: '   ' }),
    status: 400,
    error: 'invalid_request',
  },
  {
    id: 'P-7',
    input: 'a 1025-byte password',
    send: postJson(signIn, { userName: 'demo', password: 'x'.repeat(1025) }),
    status: 400,
    error: 'invalid_request',
  },
  {
    id: 'P-7',
    input: 'a 129-character userName',
    send: postJson(signIn, { userName: 'd'.repeat(129), password: 'x' }),
    status: 400,
    error: 'invalid_request',
  },
  {
    id: 'P-8',
    input: 'credentials only under __proto__',
    send: postRaw(signIn, '{"__proto__":{"userName":"demo","password":"demo-password"}}', json),
    status: 400,
    error: 'invalid_request',
  },
  {
    id: 'P-9',
    input: 'an unknown user',
    send: postJson(signIn, { userName: 'nobody', password: 'demo-password' }),
    status: 401,
    error: 'invalid_credentials',
  },
  {
    id: 'P-9',
    input: 'a wrong password',
    send: postJson(signIn, { userName: 'demo', password: 'wrong' }),
    status: 401,
    error: 'invalid_credentials',
  },
  {
    id: 'P-11b',
    input: 'credentials in a GET query',
    send: (t) => request(t.app).get(`${signIn}?userName=demo&password=demo-password`),
    status: 405,
    error: 'method_not_allowed',
  },
  {
    id: 'P-11b',
    input: 'credentials in a POST query',
    send: (t) => request(t.app).post(`${signIn}?userName=demo&password=demo-password`),
    status: 400,
    error: 'invalid_request',
  },

  // B. POST /authorization/refresh and /logout
  { id: 'P-13', input: 'no refreshToken', send: postJson(refresh, {}), status: 400, error: 'invalid_request' },
  { id: 'P-13', input: 'a numeric refreshToken', send: postJson(refresh, { refreshToken: 123 }), status: 400, error: 'invalid_request' },
  { id: 'P-13', input: 'an empty refreshToken', send: postJson(refresh, { refreshToken: '' }), status: 400, error: 'invalid_request' },
  {
    id: 'P-13',
    input: 'a 5 kB refreshToken',
    send: postJson(refresh, { refreshToken: 'a'.repeat(5000) }),
    status: 400,
    error: 'invalid_request',
  },
  {
    id: 'P-13',
    input: 'a malformed refreshToken',
    send: postJson(refresh, { refreshToken: 'not.a.token' }),
    status: 400,
    error: 'invalid_grant',
  },
  { id: 'P-13', input: 'a top-level array', send: postRaw(refresh, '["x"]', json), status: 400, error: 'invalid_request' },
  {
    id: 'P-14',
    input: 'a well-formed random refreshToken',
    send: postJson(refresh, { refreshToken: `${'A'.repeat(22)}.0.${'B'.repeat(43)}` }),
    status: 400,
    error: 'invalid_grant',
  },
  {
    id: 'P-15',
    input: 'an access token as refreshToken',
    send: async (t) => postJson(refresh, { refreshToken: (await t.signIn()).authorizationToken })(t),
    status: 400,
    error: 'invalid_grant',
  },
  { id: 'P-13', input: 'logout without a refreshToken', send: postJson(logout, { token: 'x' }), status: 400, error: 'invalid_request' },
  {
    id: 'P-13',
    input: 'logout with a non-string refreshToken',
    send: postJson(logout, { refreshToken: ['x'] }),
    status: 400,
    error: 'invalid_request',
  },

  // C. GET /api/resources
  {
    id: 'P-27',
    input: 'no Authorization header',
    send: (t) => request(t.app).get('/api/resources'),
    status: 401,
    error: 'invalid_token',
    wwwAuthenticate: 'Bearer realm="api"',
  },
  ...['Basic ZGVtbzpkZW1vLXBhc3N3b3Jk', 'Bearer', 'Bearer ', 'Bearer a b', 'Token abc', ''].map((authorization): Row => ({
    id: 'P-28',
    input: `Authorization "${authorization}"`,
    send: getResources(() => authorization),
    status: 401,
    error: 'invalid_token',
    wwwAuthenticate: ANY_INVALID_TOKEN_HEADER,
  })),
  {
    id: 'P-28',
    input: 'a token only in the query',
    send: async (t) => request(t.app).get(`/api/resources?access_token=${(await t.signIn()).authorizationToken}`),
    status: 401,
    error: 'invalid_token',
    wwwAuthenticate: 'Bearer realm="api"',
  },
  {
    id: 'P-28',
    input: 'a token in both the query and the header',
    send: async (t) => getResources(() => `Bearer ${'x'}`, `?access_token=${(await t.signIn()).authorizationToken}`)(t),
    status: 400,
    error: 'invalid_request',
  },
  ...['abc', 'a.b', 'a.b.c', '!!!.???.***', `${Buffer.from('not json').toString('base64url')}.e30.c2ln`].map((token): Row => ({
    id: 'P-29',
    input: `the malformed JWT "${token}"`,
    send: getResources(() => `Bearer ${token}`),
    status: 401,
    error: 'invalid_token',
    wwwAuthenticate: ANY_INVALID_TOKEN_HEADER,
  })),
  {
    id: 'P-29',
    input: 'a real token with an empty signature',
    send: async (t) => getResources(async () => `Bearer ${(await t.signIn()).authorizationToken}`.replace(/[^.]+$/, ''))(t),
    status: 401,
    error: 'invalid_token',
    wwwAuthenticate: INVALID_TOKEN_HEADER,
  },
  {
    id: 'P-30',
    input: 'alg none',
    send: getResources((t) => `Bearer ${forgeJwt({ alg: 'none', typ: 'at+jwt' }, validClaims(t))}`),
    status: 401,
    error: 'invalid_token',
    wwwAuthenticate: INVALID_TOKEN_HEADER,
  },
  {
    id: 'P-31',
    input: 'HS256 MACed with the refresh-token key instead of the access key',
    send: getResources((t) => `Bearer ${forgeJwt({ alg: 'HS256', typ: 'at+jwt' }, validClaims(t), appRefreshKey(t.config))}`),
    status: 401,
    error: 'invalid_token',
    wwwAuthenticate: INVALID_TOKEN_HEADER,
  },
  {
    id: 'P-32',
    input: 'HS512 with the right key',
    send: getResources(forged((c) => c, { alg: 'HS512' })),
    status: 401,
    error: 'invalid_token',
    wwwAuthenticate: INVALID_TOKEN_HEADER,
  },
  {
    id: 'P-32',
    input: 'RS256 with an attacker key',
    send: getResources(
      (t) => `Bearer ${jwt.sign(validClaims(t), rsaKey(), { algorithm: 'RS256', header: { alg: 'RS256', typ: 'at+jwt' } })}`,
    ),
    status: 401,
    error: 'invalid_token',
    wwwAuthenticate: INVALID_TOKEN_HEADER,
  },
  {
    id: 'P-33',
    input: 'a payload edited after signing',
    send: async (t) => {
      const [header, payload, signature] = (await t.signIn()).authorizationToken.split('.');
      const edited = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), name: 'admin' };
      return getResources(() => `Bearer ${header}.${Buffer.from(JSON.stringify(edited)).toString('base64url')}.${signature}`)(t);
    },
    status: 401,
    error: 'invalid_token',
    wwwAuthenticate: INVALID_TOKEN_HEADER,
  },
  {
    id: 'P-34',
    input: 'a token at exactly its exp',
    send: async (t) => {
      const { authorizationToken } = await t.signIn();
      t.advance(t.config.accessTokenTtlSeconds);
      return getResources(() => `Bearer ${authorizationToken}`)(t);
    },
    status: 401,
    error: 'invalid_token',
    wwwAuthenticate: 'Bearer realm="api", error="invalid_token", error_description="The access token expired"',
  },
  {
    id: 'P-35',
    input: 'no exp',
    send: getResources(forged(without('exp'))),
    status: 401,
    error: 'invalid_token',
    wwwAuthenticate: INVALID_TOKEN_HEADER,
  },
  {
    id: 'P-36',
    input: 'exp as a string',
    send: getResources(forged((c) => ({ ...c, exp: String(c['exp']) }))),
    status: 401,
    error: 'invalid_token',
    wwwAuthenticate: INVALID_TOKEN_HEADER,
  },
  {
    id: 'P-36',
    input: 'nbf in the future',
    send: getResources(forged((c) => ({ ...c, nbf: (c['iat'] as number) + 60 }))),
    status: 401,
    error: 'invalid_token',
    wwwAuthenticate: INVALID_TOKEN_HEADER,
  },
  {
    id: 'P-36',
    input: 'nbf as a string',
    send: getResources(forged((c) => ({ ...c, nbf: String(c['iat']) }))),
    status: 401,
    error: 'invalid_token',
    wwwAuthenticate: INVALID_TOKEN_HEADER,
  },
  {
    id: 'P-37',
    input: 'a wrong iss',
    send: getResources(forged((c) => ({ ...c, iss: 'someone-else' }))),
    status: 401,
    error: 'invalid_token',
    wwwAuthenticate: INVALID_TOKEN_HEADER,
  },
  {
    id: 'P-37',
    input: 'no iss',
    send: getResources(forged(without('iss'))),
    status: 401,
    error: 'invalid_token',
    wwwAuthenticate: INVALID_TOKEN_HEADER,
  },
  {
    id: 'P-37',
    input: 'a wrong aud',
    send: getResources(forged((c) => ({ ...c, aud: 'another-api' }))),
    status: 401,
    error: 'invalid_token',
    wwwAuthenticate: INVALID_TOKEN_HEADER,
  },
  {
    id: 'P-37',
    input: 'no aud',
    send: getResources(forged(without('aud'))),
    status: 401,
    error: 'invalid_token',
    wwwAuthenticate: INVALID_TOKEN_HEADER,
  },
  {
    id: 'P-38',
    input: 'a refresh token as bearer',
    send: getResources(async (t) => `Bearer ${(await t.signIn()).refreshToken}`),
    status: 401,
    error: 'invalid_token',
    wwwAuthenticate: INVALID_TOKEN_HEADER,
  },
  {
    id: 'P-38',
    input: 'a JWT of our key with typ JWT',
    send: getResources(forged((c) => c, { typ: 'JWT' })),
    status: 401,
    error: 'invalid_token',
    wwwAuthenticate: INVALID_TOKEN_HEADER,
  },
  {
    id: 'P-38',
    input: 'a JWT of our key with no typ',
    send: getResources(forged((c) => c, { typ: undefined })),
    status: 401,
    error: 'invalid_token',
    wwwAuthenticate: INVALID_TOKEN_HEADER,
  },
  {
    id: 'P-39',
    input: 'a kid/jku naming an attacker key',
    send: getResources(
      (t) =>
        `Bearer ${forgeJwt({ alg: 'HS256', typ: 'at+jwt', kid: "../../etc/passwd' OR 1=1", jku: 'http://evil.test/jwks' }, validClaims(t), Buffer.alloc(32, 1))}`,
    ),
    status: 401,
    error: 'invalid_token',
    wwwAuthenticate: INVALID_TOKEN_HEADER,
  },
  {
    id: 'P-41',
    input: 'a 5000-character bearer token',
    send: getResources(() => `Bearer ${'a'.repeat(5000)}`),
    status: 401,
    error: 'invalid_token',
    wwwAuthenticate: INVALID_TOKEN_HEADER,
  },
  {
    id: 'P-41',
    input: 'a 17 kB header',
    send: (t) =>
      request(t.app)
        .get('/api/resources')
        .set('X-Big', 'a'.repeat(17 * 1024)),
    status: 431,
  },
  ...['abc', '-1', '2001', '1.5', '', '99999', '1e3'].map((delay): Row => ({
    id: 'delay',
    input: `?delay=${delay}`,
    send: (t) => request(t.app).get(`/api/resources?delay=${delay}`),
    status: 400,
    error: 'invalid_request',
  })),
  {
    id: 'delay',
    input: 'a repeated ?delay',
    send: (t) => request(t.app).get('/api/resources?delay=1&delay=2'),
    status: 400,
    error: 'invalid_request',
  },
];

let rsaPrivateKey: string | undefined;
function rsaKey(): string {
  rsaPrivateKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return rsaPrivateKey;
}

for (const backend of ['SQLite', 'PostgreSQL'] as const) {
  describe(`token server on ${backend}`, () => {
    describe('when given hostile input', () => {
      let testApp: TestApp;
      let database: TestDatabase | undefined;
      let available = true;

      beforeAll(async () => {
        if (backend === 'SQLite') return;
        available = await postgresAnswers();
        // One database for every row: each row's app throttles in memory, and nothing a row does is read by another.
        if (available) database = await createTestDatabase();
      });

      afterAll(async () => {
        await database?.drop();
      });

      beforeEach(async () => {
        if (!available) pending('PostgreSQL does not answer: its hostile-input rows are skipped');
        // Behind one proxy, as deployed, so forwarded addresses are believed and hostile ones reach the throttling.
        testApp = await createTestApp({ env: { TRUST_PROXY: '1' }, databaseUrl: database?.url });
      });

      afterEach(async () => {
        await testApp?.close();
      });

      for (const row of rows) {
        it(`${row.id}: answers ${row.status} ${row.error ?? ''} to ${row.input}, and keeps serving`, async () => {
          const response = await row.send(testApp);
          const health = await request(testApp.app).get('/healthz');

          expect(response.status).toBe(row.status);
          if (row.error) {
            expect(response.type).toBe('application/json');
            expect(response.body).toEqual({ error: row.error, error_description: jasmine.any(String) });
          }
          if (typeof row.wwwAuthenticate === 'string') expect(response.headers['www-authenticate']).toBe(row.wwwAuthenticate);
          if (row.wwwAuthenticate instanceof RegExp) expect(response.headers['www-authenticate']).toMatch(row.wwwAuthenticate);
          expect(health.status).toBe(200);
        });
      }

      it('P-8: leaves Object.prototype unchanged after __proto__ payloads', async () => {
        await postRaw(signIn, '{"__proto__":{"isAdmin":true},"userName":"demo","password":"x"}', json)(testApp);
        await postRaw(refresh, '{"constructor":{"prototype":{"isAdmin":true}},"refreshToken":"x"}', json)(testApp);

        expect(({} as Record<string, unknown>)['isAdmin']).toBeUndefined();
        expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('isAdmin');
      });

      it('accepts a hand-forged token with valid claims and our key, so the rows above fail for their one defect', async () => {
        const response = await getResources(forged((c) => c))(testApp);

        expect(response.status).toBe(200);
      });
    });
  });
}
