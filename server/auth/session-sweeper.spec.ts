import { createTestApp, type TestApp } from '../test-app';
import { sweepExpiredSessions } from './session-sweeper';

describe('sweepExpiredSessions', () => {
  let testApp: TestApp;
  let stop: () => void = () => undefined;

  beforeEach(async () => {
    testApp = await createTestApp({ env: { SESSION_TTL_SECONDS: '60' } });
    jasmine.clock().install();
  });

  afterEach(async () => {
    stop();
    jasmine.clock().uninstall();
    await testApp.close();
  });

  const sessionCount = () => (testApp.db.prepare('SELECT COUNT(*) AS n FROM sessions').get() as { n: number }).n;

  it('deletes ended sessions at start and then on every interval, and keeps live ones', async () => {
    await testApp.signIn();
    testApp.advance(61);
    await testApp.signIn();
    stop = sweepExpiredSessions(testApp.store, () => testApp.now(), 600);
    expect(sessionCount()).toBe(1);

    testApp.advance(61);
    expect(sessionCount()).toBe(1);
    jasmine.clock().tick(600_000);
    expect(sessionCount()).toBe(0);
  });

  it('only sweeps at start with an interval of 0, and survives a database that fails', async () => {
    await testApp.signIn();
    testApp.advance(61);
    stop = sweepExpiredSessions(testApp.store, () => testApp.now(), 0);
    expect(sessionCount()).toBe(0);

    const failing = { deleteExpiredSessions: () => Promise.reject(new Error('SQLITE_BUSY')) };
    spyOn(failing, 'deleteExpiredSessions').and.callThrough();
    stop = sweepExpiredSessions(failing, () => testApp.now(), 1);
    jasmine.clock().tick(3_000);
    expect(failing.deleteExpiredSessions).toHaveBeenCalledTimes(4);
  });
});
