import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import {
  StoreUnavailableError,
  type AuthStore,
  type NewSession,
  type RevokeReason,
  type Session,
  type SigningKey,
  type User,
} from './auth-store';

/** An open better-sqlite3 connection. */
export type Db = Database.Database;

/** Schema steps; step i moves `PRAGMA user_version` from i to i + 1. Append only; postgres-store.ts mirrors them. */
const MIGRATIONS = [
  `CREATE TABLE users (
     id            TEXT PRIMARY KEY,
     name          TEXT NOT NULL UNIQUE,
     password_hash TEXT NOT NULL,
     created_at    INTEGER NOT NULL
   );
   CREATE TABLE sessions (
     id            TEXT PRIMARY KEY,
     user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
     counter       INTEGER NOT NULL,
     created_at    INTEGER NOT NULL,
     expires_at    INTEGER NOT NULL,
     rotated_at    INTEGER,
     revoked_at    INTEGER,
     revoke_reason TEXT
   );
   CREATE INDEX sessions_user_id ON sessions (user_id);`,
  // The client's id for the refresh that made the current counter, so that refresh, repeated, is answered again.
  `ALTER TABLE sessions ADD COLUMN last_attempt TEXT;`,
  // ES256 signing keys, shared by every process on this database.
  `CREATE TABLE signing_keys (
     kid         TEXT PRIMARY KEY,
     private_jwk TEXT NOT NULL,
     public_jwk  TEXT NOT NULL,
     created_at  INTEGER NOT NULL,
     retires_at  INTEGER
   );`,
  // Values every instance must agree on, such as a generated JWT_SECRET.
  `CREATE TABLE settings (
     name  TEXT PRIMARY KEY,
     value TEXT NOT NULL
   );`,
  // The thumbprint of the DPoP key the session was opened with: every refresh must prove that key.
  `ALTER TABLE sessions ADD COLUMN jkt TEXT;`,
];

/** The schema version this server writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** How long a statement waits for another connection's lock before failing with "database is locked". */
const BUSY_TIMEOUT_MS = 5_000;

const SESSION_COLUMNS = `s.id, s.user_id AS userId, u.name AS userName, s.counter, s.created_at AS createdAt,
  s.expires_at AS expiresAt, s.rotated_at AS rotatedAt, s.revoked_at AS revokedAt,
  s.revoke_reason AS revokeReason, s.last_attempt AS lastAttempt, s.jkt`;

const KEY_COLUMNS = 'kid, private_jwk AS privateJwk, public_jwk AS publicJwk, created_at AS createdAt, retires_at AS retiresAt';

/**
 * The embedded store: `DATA_DIR/auth.db` in WAL mode, which several processes on one machine may share. better-sqlite3
 * is synchronous, so each method finishes before the next request runs; the promises are for the common interface.
 */
export class SqliteStore implements AuthStore {
  readonly kind = 'sqlite';

  private constructor(
    /** The connection, for specs that look at rows directly. */
    readonly db: Db,
  ) {}

  /** Opens `dataDir/auth.db` and brings its schema up to date. */
  static open(dataDir: string): SqliteStore {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const db = new Database(join(dataDir, 'auth.db'), { timeout: BUSY_TIMEOUT_MS });
    try {
      // Switching a new file to WAL upgrades a read lock to an exclusive one; while another server starting at the
      // same moment holds a write lock, SQLite refuses at once (waiting could deadlock) rather than waiting it out.
      retryWhileBusy(() => db.pragma('journal_mode = WAL'));
      db.pragma('foreign_keys = ON');
      migrate(db);
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteStore(db);
  }

  async findUserByName(name: string): Promise<User | undefined> {
    return this.run(() =>
      this.db.prepare<[string], User>('SELECT id, name, password_hash AS passwordHash FROM users WHERE name = ?').get(name),
    );
  }

  async replacePasswordHash(id: string, current: string, next: string): Promise<void> {
    this.run(() => this.db.prepare('UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?').run(next, id, current));
  }

  async insertUserIfMissing(user: User, createdAt: number): Promise<boolean> {
    const sql = 'INSERT INTO users (id, name, password_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING';
    return this.run(() => this.db.prepare(sql).run(user.id, user.name, user.passwordHash, createdAt).changes === 1);
  }

  async createSession(session: NewSession): Promise<boolean> {
    const sql = `INSERT INTO sessions (id, user_id, counter, created_at, expires_at, jkt)
                 SELECT ?, id, 0, ?, ?, ? FROM users WHERE id = ?`;
    const { id, createdAt, expiresAt, jkt, userId } = session;
    return this.run(() => this.db.prepare(sql).run(id, createdAt, expiresAt, jkt, userId).changes === 1);
  }

  async findSession(id: string): Promise<Session | undefined> {
    const sql = `SELECT ${SESSION_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`;
    return this.run(() => this.db.prepare<[string], Session>(sql).get(id));
  }

  async advanceSession(id: string, counter: number, now: number, attempt: string | null): Promise<boolean> {
    const sql = `UPDATE sessions SET counter = counter + 1, rotated_at = ?, last_attempt = ?
                  WHERE id = ? AND counter = ? AND revoked_at IS NULL`;
    return this.run(() => this.db.prepare(sql).run(now, attempt, id, counter).changes === 1);
  }

  async revokeSession(id: string, now: number, reason: RevokeReason): Promise<void> {
    const sql = 'UPDATE sessions SET revoked_at = ?, revoke_reason = ? WHERE id = ? AND revoked_at IS NULL';
    this.run(() => this.db.prepare(sql).run(now, reason, id));
  }

  async deleteExpiredSessions(now: number): Promise<number> {
    return this.run(() => this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now).changes);
  }

  async signingKeys(now: number): Promise<SigningKey[]> {
    const sql = `SELECT ${KEY_COLUMNS} FROM signing_keys WHERE retires_at IS NULL OR retires_at > ? ORDER BY created_at DESC, kid`;
    return this.run(() => this.db.prepare<[number], SigningKey>(sql).all(now));
  }

  async addSigningKey(key: Omit<SigningKey, 'retiresAt'>, createdAfter: number, retireOthersAt: number): Promise<boolean> {
    const add = this.db.transaction(() => {
      if (this.db.prepare('SELECT 1 FROM signing_keys WHERE created_at > ?').get(createdAfter)) return false;
      const { newest } = this.db.prepare<[], { newest: number }>('SELECT COALESCE(MAX(created_at), -1) AS newest FROM signing_keys').get()!;
      this.db.prepare('UPDATE signing_keys SET retires_at = ? WHERE retires_at IS NULL').run(retireOthersAt);
      this.db
        .prepare('INSERT INTO signing_keys (kid, private_jwk, public_jwk, created_at) VALUES (?, ?, ?, ?)')
        .run(key.kid, key.privateJwk, key.publicJwk, Math.max(key.createdAt, newest + 1));
      return true;
    });
    // IMMEDIATE: the check and the insert hold the write lock together, across processes too.
    return this.run(() => add.immediate());
  }

  async deleteRetiredKeys(now: number): Promise<number> {
    return this.run(() => this.db.prepare('DELETE FROM signing_keys WHERE retires_at <= ?').run(now).changes);
  }

  async sharedSetting(name: string, proposed: string): Promise<string> {
    return this.run(() => {
      this.db.prepare('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(name, proposed);
      return this.db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE name = ?').get(name)!.value;
    });
  }

  async ping(): Promise<void> {
    this.run(() => this.db.prepare('SELECT 1').get());
  }

  async close(): Promise<void> {
    this.db.close();
  }

  /** Runs one statement; a lock held past the busy timeout, or a closed connection, is `StoreUnavailableError`. */
  private run<T>(statement: () => T): T {
    try {
      return statement();
    } catch (error) {
      const code = (error as { code?: string }).code;
      const unavailable = code === 'SQLITE_BUSY' || code === 'SQLITE_IOERR' || !this.db.open;
      throw unavailable ? new StoreUnavailableError(error) : error;
    }
  }
}

function retryWhileBusy(step: () => unknown): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (const deadline = Date.now() + BUSY_TIMEOUT_MS; ;) {
    try {
      step();
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw error;
      Atomics.wait(pause, 0, 0, 20);
    }
  }
}

function migrate(db: Db): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new Error(`auth.db has schema version ${version}, newer than this server knows (${MIGRATIONS.length})`);
    }
    for (let step = version; step < MIGRATIONS.length; step++) db.exec(MIGRATIONS[step]);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}
