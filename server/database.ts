import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** An open better-sqlite3 connection. */
export type Db = Database.Database;

/** Schema steps; step i moves `PRAGMA user_version` from i to i + 1. Append only. */
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
];

/** Opens `dataDir/auth.db` in WAL mode and brings its schema up to date. */
export function openDatabase(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = new Database(join(dataDir, 'auth.db'), { timeout: BUSY_TIMEOUT_MS });
  try {
    // Switching a new file to WAL upgrades a read lock to an exclusive one; while another server starting at the same
    // moment holds a write lock, SQLite refuses at once (waiting could deadlock) rather than waiting out the timeout.
    retryWhileBusy(() => db.pragma('journal_mode = WAL'));
    db.pragma('foreign_keys = ON');
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** How long a statement waits for another connection's lock before failing with "database is locked". */
const BUSY_TIMEOUT_MS = 5_000;

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
