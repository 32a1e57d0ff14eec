import { Pool, type PoolClient, type QueryResultRow } from 'pg';

import {
  StoreUnavailableError,
  type AuthStore,
  type NewSession,
  type RevokeReason,
  type Session,
  type SigningKey,
  type User,
} from './auth-store';

/** Schema steps, the same as sqlite-store.ts's; step i moves `schema_version` from i to i + 1. Append only. */
const MIGRATIONS = [
  `CREATE TABLE users (
     id            TEXT PRIMARY KEY,
     name          TEXT NOT NULL UNIQUE,
     password_hash TEXT NOT NULL,
     created_at    BIGINT NOT NULL
   );
   CREATE TABLE sessions (
     id            TEXT PRIMARY KEY,
     user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
     counter       BIGINT NOT NULL,
     created_at    BIGINT NOT NULL,
     expires_at    BIGINT NOT NULL,
     rotated_at    BIGINT,
     revoked_at    BIGINT,
     revoke_reason TEXT
   );
   CREATE INDEX sessions_user_id ON sessions (user_id);
   CREATE INDEX sessions_expires_at ON sessions (expires_at);`,
  `ALTER TABLE sessions ADD COLUMN last_attempt TEXT;`,
  `CREATE TABLE signing_keys (
     kid         TEXT PRIMARY KEY,
     private_jwk TEXT NOT NULL,
     public_jwk  TEXT NOT NULL,
     created_at  BIGINT NOT NULL,
     retires_at  BIGINT
   );`,
  `CREATE TABLE settings (
     name  TEXT PRIMARY KEY,
     value TEXT NOT NULL
   );`,
  `ALTER TABLE sessions ADD COLUMN jkt TEXT;`,
];

/** The advisory lock every instance takes to migrate, so of several starting at once one migrates and the rest wait. */
const MIGRATION_LOCK = 'angular-token-refresh:migrate';

/** The advisory lock that serialises key rotations (one transaction each). */
const KEY_LOCK = 'angular-token-refresh:signing-keys';

/** How long a request waits for a connection, and a statement may run, before the database counts as unavailable. */
const TIMEOUT_MS = 5_000;

const SESSION_COLUMNS = `s.id, s.user_id AS "userId", u.name AS "userName", s.counter::float8 AS counter,
  s.created_at::float8 AS "createdAt", s.expires_at::float8 AS "expiresAt", s.rotated_at::float8 AS "rotatedAt",
  s.revoked_at::float8 AS "revokedAt", s.revoke_reason AS "revokeReason", s.last_attempt AS "lastAttempt", s.jkt`;

const KEY_COLUMNS = `kid, private_jwk AS "privateJwk", public_jwk AS "publicJwk", created_at::float8 AS "createdAt",
  retires_at::float8 AS "retiresAt"`;

/**
 * The store on PostgreSQL (DATABASE_URL), through a node-postgres pool. Every instance of the server may share the
 * database: a rotation is one conditional UPDATE, so the database alone picks the winner of concurrent refreshes.
 * Times are BIGINT epoch milliseconds, read back as numbers (`::float8`, exact far beyond any date in use).
 */
export class PostgresStore implements AuthStore {
  readonly kind = 'postgres';

  private constructor(private readonly pool: Pool) {}

  /** Connects to `url` and brings the schema up to date; `onError` hears connections lost while idle. */
  static async open(url: string, options: { onError?: (error: unknown) => void; poolSize?: number } = {}): Promise<PostgresStore> {
    const pool = new Pool({
      connectionString: url,
      connectionTimeoutMillis: TIMEOUT_MS,
      statement_timeout: TIMEOUT_MS,
      query_timeout: TIMEOUT_MS + 1_000,
      // Each query takes any free connection, so the pool's size bounds this instance's share of max_connections.
      max: options.poolSize ?? 10,
    });
    // An idle connection that the server drops emits 'error' on the pool; unheard, it would crash the process.
    pool.on('error', options.onError ?? (() => undefined));
    const store = new PostgresStore(pool);
    try {
      await store.transaction(MIGRATION_LOCK, (client) => migrate(client));
    } catch (error) {
      await pool.end();
      throw error;
    }
    return store;
  }

  async findUserByName(name: string): Promise<User | undefined> {
    return this.one<User>('SELECT id, name, password_hash AS "passwordHash" FROM users WHERE name = $1', [name]);
  }

  async replacePasswordHash(id: string, current: string, next: string): Promise<void> {
    await this.query('UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3', [next, id, current]);
  }

  async insertUserIfMissing(user: User, createdAt: number): Promise<boolean> {
    const sql = 'INSERT INTO users (id, name, password_hash, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING';
    return (await this.query(sql, [user.id, user.name, user.passwordHash, createdAt])).rowCount === 1;
  }

  async createSession(session: NewSession): Promise<boolean> {
    const sql = `INSERT INTO sessions (id, user_id, counter, created_at, expires_at, jkt)
                 SELECT $1, id, 0, $2, $3, $4 FROM users WHERE id = $5`;
    const { id, createdAt, expiresAt, jkt, userId } = session;
    return (await this.query(sql, [id, createdAt, expiresAt, jkt, userId])).rowCount === 1;
  }

  async findSession(id: string): Promise<Session | undefined> {
    return this.one<Session>(`SELECT ${SESSION_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1`, [id]);
  }

  async advanceSession(id: string, counter: number, now: number, attempt: string | null): Promise<boolean> {
    // Under READ COMMITTED a second UPDATE of the row waits for the first to commit, then re-checks the WHERE against
    // the new row: of any number of concurrent rotations from one counter, exactly one changes a row.
    const sql = `UPDATE sessions SET counter = counter + 1, rotated_at = $1, last_attempt = $2
                  WHERE id = $3 AND counter = $4 AND revoked_at IS NULL`;
    return (await this.query(sql, [now, attempt, id, counter])).rowCount === 1;
  }

  async revokeSession(id: string, now: number, reason: RevokeReason): Promise<void> {
    await this.query('UPDATE sessions SET revoked_at = $1, revoke_reason = $2 WHERE id = $3 AND revoked_at IS NULL', [now, reason, id]);
  }

  async deleteExpiredSessions(now: number): Promise<number> {
    return (await this.query('DELETE FROM sessions WHERE expires_at <= $1', [now])).rowCount ?? 0;
  }

  async signingKeys(now: number): Promise<SigningKey[]> {
    const sql = `SELECT ${KEY_COLUMNS} FROM signing_keys WHERE retires_at IS NULL OR retires_at > $1 ORDER BY created_at DESC, kid`;
    return (await this.query<SigningKey>(sql, [now])).rows;
  }

  async addSigningKey(key: Omit<SigningKey, 'retiresAt'>, createdAfter: number, retireOthersAt: number): Promise<boolean> {
    return this.transaction(KEY_LOCK, async (client) => {
      if ((await client.query('SELECT 1 FROM signing_keys WHERE created_at > $1', [createdAfter])).rowCount) return false;
      const { newest } = (
        await client.query<{ newest: number }>('SELECT COALESCE(MAX(created_at), -1)::float8 AS newest FROM signing_keys')
      ).rows[0];
      await client.query('UPDATE signing_keys SET retires_at = $1 WHERE retires_at IS NULL', [retireOthersAt]);
      await client.query('INSERT INTO signing_keys (kid, private_jwk, public_jwk, created_at) VALUES ($1, $2, $3, $4)', [
        key.kid,
        key.privateJwk,
        key.publicJwk,
        Math.max(key.createdAt, newest + 1),
      ]);
      return true;
    });
  }

  async deleteRetiredKeys(now: number): Promise<number> {
    return (await this.query('DELETE FROM signing_keys WHERE retires_at <= $1', [now])).rowCount ?? 0;
  }

  async sharedSetting(name: string, proposed: string): Promise<string> {
    // Two statements, not one: a statement's snapshot may predate a concurrent insert that its ON CONFLICT waited for.
    await this.query('INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, proposed]);
    return (await this.one<{ value: string }>('SELECT value FROM settings WHERE name = $1', [name]))!.value;
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async query<R extends QueryResultRow>(sql: string, values: unknown[] = []) {
    try {
      return await this.pool.query<R>(sql, values);
    } catch (error) {
      throw classify(error);
    }
  }

  private async one<R extends QueryResultRow>(sql: string, values: unknown[]): Promise<R | undefined> {
    return (await this.query<R>(sql, values)).rows[0];
  }

  /** Runs `work` in one transaction holding the advisory lock `name` until it ends. */
  private async transaction<T>(name: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw classify(error);
    }
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [name]);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw classify(error);
    } finally {
      client.release();
    }
  }
}

async function migrate(client: PoolClient): Promise<void> {
  await client.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = (await client.query<{ version: number }>('SELECT version FROM schema_version')).rows[0];
  const version = row?.version ?? 0;
  if (version > MIGRATIONS.length) {
    throw new Error(`The database has schema version ${version}, newer than this server knows (${MIGRATIONS.length})`);
  }
  for (let step = version; step < MIGRATIONS.length; step++) await client.query(MIGRATIONS[step]);
  if (row) await client.query('UPDATE schema_version SET version = $1', [MIGRATIONS.length]);
  else await client.query('INSERT INTO schema_version (version) VALUES ($1)', [MIGRATIONS.length]);
}

/**
 * A lost or refused connection, the server shutting down or refusing connections, a timeout: the database is
 * unavailable, and the request may be tried again. Anything else (a constraint, a bug) is thrown as it is.
 */
function classify(error: unknown): unknown {
  if (error instanceof StoreUnavailableError) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : '';
  const unavailable =
    (typeof code === 'string' && /^(08|53|57P|E[A-Z]+$)/.test(code)) ||
    /Connection terminated|timeout exceeded when trying to connect|Query read timeout|canceling statement due to statement timeout|Cannot use a pool after calling end/.test(
      message,
    );
  return unavailable ? new StoreUnavailableError(error) : error;
}
