import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The PostgreSQL server the specs, e2e tests and bench use (CI has one; .ci/run fails without it). */
export const POSTGRES_ADMIN_URL = process.env['POSTGRES_TEST_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database of its own, so runs never collide; `drop()` removes it, cutting any connection still open. */
export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/** Whether PostgreSQL answers at POSTGRES_ADMIN_URL within a second. */
export async function postgresAnswers(): Promise<boolean> {
  const client = new Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates an empty database named `atr_test_<random>` and returns its URL. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `atr_test_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
