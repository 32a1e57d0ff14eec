import { createTestApp, DEMO, type TestApp } from '../test-app';
import { createTestDatabase, postgresAnswers, type TestDatabase } from '../store/postgres-test-database';
import { PasswordHasher } from './password-hasher';
import { TokenService } from './token-service';

/** How far apart the two instances' clocks are: a few milliseconds, as between two processes or two hosts. */
const SKEW_MS = 5;
const ROUNDS = 20;

for (const backend of ['SQLite', 'PostgreSQL'] as const) {
  describe(`TokenService with REFRESH_REUSE_WINDOW_SECONDS on ${backend}`, () => {
    let testApp: TestApp | undefined;
    let database: TestDatabase | undefined;
    let ahead: TokenService;
    let behind: TokenService;

    beforeEach(async () => {
      if (backend === 'PostgreSQL') {
        if (!(await postgresAnswers())) pending('PostgreSQL does not answer: its reuse-window specs are skipped');
        database = await createTestDatabase();
      }
      testApp = await createTestApp({ env: { REFRESH_REUSE_WINDOW_SECONDS: '2' }, databaseUrl: database?.url });
      const app = testApp;
      const instance = (skewMs: number) =>
        new TokenService({ config: app.config, store: app.store, passwords: new PasswordHasher(), now: () => app.now() + skewMs });
      ahead = instance(SKEW_MS);
      behind = instance(0);
    });

    afterEach(async () => {
      await testApp?.close();
      await database?.drop();
    });

    describe('when two instances whose clocks differ by a few milliseconds both present one refresh token', () => {
      it('answers both, round after round, and never revokes the session as reuse', async () => {
        let { refreshToken } = await behind.signIn(DEMO.userName, DEMO.password);

        for (let round = 0; round < ROUNDS; round++) {
          // The instance whose clock is ahead rotates first; the other then decides on the rotated row.
          const [first, second] = await Promise.allSettled([ahead.refresh(refreshToken), behind.refresh(refreshToken)]);

          expect([first.status, second.status]).withContext(`round ${round}`).toEqual(['fulfilled', 'fulfilled']);
          if (first.status !== 'fulfilled') break;
          refreshToken = first.value.refreshToken;
          testApp!.advance(1);
        }
        expect((await behind.refresh(refreshToken)).refreshToken).toMatch(/\.21\./);
      });
    });

    describe('when the clock of the instance that decides stepped back by more than the window', () => {
      it('still refuses the retired token, and revokes the session', async () => {
        const { refreshToken } = await behind.signIn(DEMO.userName, DEMO.password);
        const rotated = await ahead.refresh(refreshToken);
        const farBehind = new TokenService({
          config: testApp!.config,
          store: testApp!.store,
          passwords: new PasswordHasher(),
          now: () => testApp!.now() - 60_000,
        });

        await expectAsync(farBehind.refresh(refreshToken)).toBeRejectedWith(jasmine.objectContaining({ status: 400 }));

        await expectAsync(behind.refresh(rotated.refreshToken)).toBeRejectedWith(jasmine.objectContaining({ status: 400 }));
      });
    });
  });
}
