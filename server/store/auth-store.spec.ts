import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

import { StoreUnavailableError, type AuthStore } from './auth-store';
import { PostgresStore } from './postgres-store';
import { createTestDatabase, postgresAnswers } from './postgres-test-database';
import { SqliteStore } from './sqlite-store';

/** One backend under test: a fresh store, a way to run SQL beside it, and clean-up. */
interface Backend {
  store: AuthStore;
  /** Runs one statement on the same database, as an operator (or another program) would. */
  exec(sql: string): Promise<void>;
  dispose(): Promise<void>;
}

const BACKENDS: { name: string; available: () => Promise<boolean>; open: () => Promise<Backend> }[] = [
  {
    name: 'SQLite',
    available: async () => true,
    open: async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'atr-store-'));
      const store = SqliteStore.open(dataDir);
      return {
        store,
        exec: async (sql) => void store.db.exec(sql),
        dispose: async () => {
          await store.close().catch(() => undefined);
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'PostgreSQL',
    available: postgresAnswers,
    open: async () => {
      const database = await createTestDatabase();
      const store = await PostgresStore.open(database.url);
      return {
        store,
        exec: async (sql) => {
          const client = new Client({ connectionString: database.url });
          await client.connect();
          await client.query(sql).finally(() => client.end());
        },
        dispose: async () => {
          await store.close().catch(() => undefined);
          await database.drop();
        },
      };
    },
  },
];

const T0 = Date.UTC(2030, 0, 1);
const ADA = { id: 'user-ada', name: 'ada', passwordHash: 'hash-1' };

for (const backend of BACKENDS) {
  describe(`the ${backend.name} store`, () => {
    let available = false;
    let subject: Backend;
    let store: AuthStore;

    beforeAll(async () => {
      available = await backend.available();
    });

    beforeEach(async () => {
      // Pending, not failed, on a machine without the database; CI checks that it runs (.ci/run).
      if (!available) pending(`${backend.name} does not answer: its store specs are skipped`);
      subject = await backend.open();
      store = subject.store;
      await store.insertUserIfMissing(ADA, T0);
    });

    afterEach(async () => {
      await subject?.dispose();
    });

    const openSession = (id: string, expiresAt = T0 + 60_000) =>
      store.createSession({ id, userId: ADA.id, createdAt: T0, expiresAt, jkt: null });

    describe('users', () => {
      it('inserts a name once, finds it by its exact name, and replaces a hash only if it is still the one read', async () => {
        expect(await store.insertUserIfMissing({ ...ADA, id: 'another-id' }, T0)).toBeFalse();
        expect(await store.findUserByName('ada')).toEqual(ADA);
        expect(await store.findUserByName('ADA')).toBeUndefined();

        await store.replacePasswordHash(ADA.id, 'stale-hash', 'hash-2');
        expect((await store.findUserByName('ada'))?.passwordHash).toBe('hash-1');
        await store.replacePasswordHash(ADA.id, 'hash-1', 'hash-2');
        expect((await store.findUserByName('ada'))?.passwordHash).toBe('hash-2');
      });
    });

    describe('sessions', () => {
      it('opens one for an existing user only, and reads it back with exact times as numbers', async () => {
        expect(await openSession('s1', T0 + 1_209_600_000)).toBeTrue();
        expect(await store.createSession({ id: 's2', userId: 'nobody', createdAt: T0, expiresAt: T0 + 1, jkt: null })).toBeFalse();

        expect(await store.findSession('s1')).toEqual({
          id: 's1',
          userId: ADA.id,
          userName: 'ada',
          counter: 0,
          createdAt: T0,
          expiresAt: T0 + 1_209_600_000,
          rotatedAt: null,
          revokedAt: null,
          revokeReason: null,
          lastAttempt: null,
          jkt: null,
        });
        expect(await store.findSession('s2')).toBeUndefined();
      });

      it('keeps the DPoP key thumbprint a session was opened with', async () => {
        const jkt = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
        expect(await store.createSession({ id: 's1', userId: ADA.id, createdAt: T0, expiresAt: T0 + 60_000, jkt })).toBeTrue();

        expect((await store.findSession('s1'))?.jkt).toBe(jkt);
      });

      it('lets exactly one of 20 concurrent rotations from one counter win', async () => {
        await openSession('s1');

        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.advanceSession('s1', 0, T0 + 1, `attempt-${i}`)));

        expect(results.filter(Boolean).length).toBe(1);
        const session = await store.findSession('s1');
        expect(session?.counter).toBe(1);
        expect(session?.lastAttempt).toBe(`attempt-${results.indexOf(true)}`);
        expect(session?.rotatedAt).toBe(T0 + 1);
      });

      it('never rotates a revoked session, and keeps the first reason it was revoked for', async () => {
        await openSession('s1');

        await store.revokeSession('s1', T0 + 5, 'reuse');
        await store.revokeSession('s1', T0 + 9, 'logout');

        expect(await store.advanceSession('s1', 0, T0 + 10, null)).toBeFalse();
        expect(await store.findSession('s1')).toEqual(jasmine.objectContaining({ counter: 0, revokedAt: T0 + 5, revokeReason: 'reuse' }));
      });

      it('deletes only sessions whose lifetime ended, and a user’s sessions go with the user', async () => {
        await openSession('ended', T0 + 1_000);
        await openSession('live', T0 + 60_000);

        expect(await store.deleteExpiredSessions(T0 + 1_000)).toBe(1);
        expect(await store.findSession('ended')).toBeUndefined();
        expect(await store.findSession('live')).toBeDefined();

        await subject.exec(`DELETE FROM users WHERE id = '${ADA.id}'`);
        expect(await store.findSession('live')).toBeUndefined();
      });
    });

    describe('signing keys', () => {
      const key = (kid: string, createdAt: number) => ({ kid, privateJwk: `{"d":"${kid}"}`, publicJwk: `{"x":"${kid}"}`, createdAt });

      it('creates the first key once however many ask at the same moment', async () => {
        const added = await Promise.all(['k1', 'k2', 'k3', 'k4', 'k5'].map((kid) => store.addSigningKey(key(kid, T0), -1, T0 + 1)));

        expect(added.filter(Boolean).length).toBe(1);
        expect((await store.signingKeys(T0)).length).toBe(1);
      });

      it('stores a key added in the same millisecond as the newest as newer still, so the newest is never a tie', async () => {
        await store.addSigningKey(key('zz-first', T0), -1, 0);
        await store.addSigningKey(key('aa-second', T0), Number.MAX_SAFE_INTEGER, T0 + 100);

        expect((await store.signingKeys(T0)).map((row) => [row.kid, row.createdAt])).toEqual([
          ['aa-second', T0 + 1],
          ['zz-first', T0],
        ]);
      });

      it('lists keys newest first, retires the older ones at the time given, and deletes them after', async () => {
        await store.addSigningKey(key('old', T0), -1, 0);
        expect(await store.addSigningKey(key('new', T0 + 10), Number.MAX_SAFE_INTEGER, T0 + 100)).toBeTrue();
        // Not due: the newest key is younger than the cut-off.
        expect(await store.addSigningKey(key('early', T0 + 20), T0, T0 + 200)).toBeFalse();

        expect((await store.signingKeys(T0 + 99)).map((row) => [row.kid, row.retiresAt])).toEqual([
          ['new', null],
          ['old', T0 + 100],
        ]);
        expect((await store.signingKeys(T0 + 100)).map((row) => row.kid)).toEqual(['new']);
        expect(await store.deleteRetiredKeys(T0 + 100)).toBe(1);
        expect(await store.signingKeys(T0)).toEqual([
          { kid: 'new', privateJwk: '{"d":"new"}', publicJwk: '{"x":"new"}', createdAt: T0 + 10, retiresAt: null },
        ]);
      });
    });

    describe('shared settings', () => {
      it('keeps the first value proposed, and every later caller gets it', async () => {
        const kept = await Promise.all(['a', 'b', 'c'].map((value) => store.sharedSetting('secret', value)));

        expect(new Set(kept).size).toBe(1);
        expect(await store.sharedSetting('secret', 'd')).toBe(kept[0]);
      });
    });

    describe('when the database is gone', () => {
      it('answers ping, and every call, with StoreUnavailableError', async () => {
        await expectAsync(store.ping()).toBeResolved();

        await store.close();

        await expectAsync(store.ping()).toBeRejectedWithError(StoreUnavailableError);
        await expectAsync(store.findSession('s1')).toBeRejectedWithError(StoreUnavailableError);
      });
    });
  });
}
