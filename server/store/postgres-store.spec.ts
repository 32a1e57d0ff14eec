import { Client } from 'pg';

import { StoreUnavailableError } from './auth-store';
import { PostgresStore } from './postgres-store';
import { createTestDatabase, postgresAnswers, type TestDatabase } from './postgres-test-database';
import { SCHEMA_VERSION } from './sqlite-store';

describe('PostgresStore.open', () => {
  let available = false;
  let database: TestDatabase;

  beforeAll(async () => {
    available = await postgresAnswers();
  });

  beforeEach(async () => {
    if (!available) pending('PostgreSQL does not answer: its specs are skipped');
    database = await createTestDatabase();
  });

  afterEach(async () => {
    await database?.drop();
  });

  async function query(sql: string): Promise<unknown[]> {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  }

  describe('when eight instances start on a new database at the same moment', () => {
    it('migrates it once, under the advisory lock, and every instance opens', async () => {
      const opened = await Promise.allSettled(Array.from({ length: 8 }, () => PostgresStore.open(database.url)));

      expect(opened.map((result) => result.status)).toEqual(Array(8).fill('fulfilled'));
      expect(await query('SELECT version FROM schema_version')).toEqual([{ version: SCHEMA_VERSION }]);
      for (const result of opened) if (result.status === 'fulfilled') await result.value.close();
    });
  });

  describe('when the database comes from a newer server', () => {
    it('refuses to open it, naming the version', async () => {
      await (await PostgresStore.open(database.url)).close();
      await query('UPDATE schema_version SET version = 99');

      await expectAsync(PostgresStore.open(database.url)).toBeRejectedWithError(/schema version 99/);
    });
  });

  describe('when nothing listens at DATABASE_URL', () => {
    it('fails with StoreUnavailableError, not a hang', async () => {
      const url = new URL(database.url);
      url.port = '1';

      await expectAsync(PostgresStore.open(url.toString())).toBeRejectedWithError(StoreUnavailableError);
    });
  });
});
