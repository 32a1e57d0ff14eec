import request from 'supertest';

import { createTestApp, type TestApp } from '../test-app';

describe('requireAuth', () => {
  let testApp: TestApp;

  beforeEach(async () => {
    testApp = await createTestApp({ env: { ACCESS_TOKEN_TTL_SECONDS: '60' } });
  });

  afterEach(async () => {
    await testApp.close();
  });

  function getResources(accessToken: string) {
    return request(testApp.app).get('/api/resources').set('Authorization', `Bearer ${accessToken}`);
  }

  describe('when the access token is one second from expiry', () => {
    it('lets the request through', async () => {
      const { authorizationToken } = await testApp.signIn();
      testApp.advance(59);

      const response = await getResources(authorizationToken);

      expect(response.status).toBe(200);
    });
  });

  describe('when the access token has expired', () => {
    it('answers 401 "The access token expired" in body and header (P-34)', async () => {
      const { authorizationToken } = await testApp.signIn();
      testApp.advance(61);

      const response = await getResources(authorizationToken);

      expect(response.status).toBe(401);
      expect(response.body).toEqual({ error: 'invalid_token', error_description: 'The access token expired' });
      expect(response.headers['www-authenticate']).toBe(
        'Bearer realm="api", error="invalid_token", error_description="The access token expired"',
      );
    });
  });

  describe('when the scheme is written in another case', () => {
    it('accepts it (RFC 7235: schemes are case-insensitive)', async () => {
      const { authorizationToken } = await testApp.signIn();

      const response = await request(testApp.app).get('/api/resources').set('Authorization', `bearer ${authorizationToken}`);

      expect(response.status).toBe(200);
    });
  });

  describe('when the session was logged out', () => {
    it('still accepts its access token until it expires (P-40, option a)', async () => {
      const { authorizationToken, refreshToken } = await testApp.signIn();
      await request(testApp.app).post('/authorization/logout').send({ refreshToken }).expect(204);

      const beforeExpiry = await getResources(authorizationToken);
      testApp.advance(60);
      const atExpiry = await getResources(authorizationToken);

      expect(beforeExpiry.status).toBe(200);
      expect(atExpiry.status).toBe(401);
    });
  });
});
