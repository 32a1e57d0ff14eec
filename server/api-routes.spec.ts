import request from 'supertest';

import { createTestApp, DEMO, OTHER, type TestApp } from './test-app';

describe('api routes', () => {
  let testApp: TestApp;

  beforeEach(async () => {
    testApp = await createTestApp({ users: [DEMO, OTHER] });
  });

  afterEach(async () => {
    await testApp.close();
  });

  describe('when GET /api/resources carries a valid token', () => {
    it("answers the user's protected resources as a JSON string", async () => {
      const { authorizationToken } = await testApp.signIn(OTHER);

      const response = await request(testApp.app).get('/api/resources').auth(authorizationToken, { type: 'bearer' });

      expect(response.status).toBe(200);
      expect(response.type).toBe('application/json');
      expect(response.text).toBe('"protected resources, username: other"');
    });
  });

  describe('when ?delay= is given', () => {
    it('waits that long before answering 200', async () => {
      const { authorizationToken } = await testApp.signIn();
      const started = performance.now();

      const response = await request(testApp.app).get('/api/resources?delay=120').auth(authorizationToken, { type: 'bearer' });

      expect(response.status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(115);
    });

    it('waits that long before answering 401 too', async () => {
      const started = performance.now();

      const response = await request(testApp.app).get('/api/resources?delay=120');

      expect(response.status).toBe(401);
      expect(performance.now() - started).toBeGreaterThanOrEqual(115);
    });

    it('accepts 0 and 2000 as bounds without waiting for an invalid value', async () => {
      const zero = await request(testApp.app).get('/api/resources?delay=0');
      const started = performance.now();
      const tooLong = await request(testApp.app).get('/api/resources?delay=2001');

      expect(zero.status).toBe(401);
      expect(tooLong.status).toBe(400);
      expect(performance.now() - started).toBeLessThan(1000);
    });
  });
});
