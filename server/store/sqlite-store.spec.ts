import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SCHEMA_VERSION, SqliteStore } from './sqlite-store';

// Opens the new database and takes a write lock, as another server starting at the same moment does; says when,
// and holds it for half a second.
const HOLD_MIGRATION_LOCK = `
  const db = new (require('better-sqlite3'))(process.argv[1]);
  db.exec('BEGIN IMMEDIATE');
  console.log('locked');
  setTimeout(() => { db.exec('COMMIT'); db.close(); }, 500);
`;

describe('SqliteStore.open', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'token-db-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('when the database is new', () => {
    it('creates the schema in WAL mode and records its version', () => {
      const db = SqliteStore.open(dataDir).db;

      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
      expect(tables).toEqual(['sessions', 'settings', 'signing_keys', 'users']);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      db.close();
    });
  });

  describe('when another server is setting up the new database as this one opens it', () => {
    it('waits for it instead of failing with "database is locked"', async () => {
      // The other server: it has just created auth.db and holds a write lock on it for a moment.
      const other = spawn(process.execPath, ['-e', HOLD_MIGRATION_LOCK, join(dataDir, 'auth.db')], { cwd: join(__dirname, '..') });
      await new Promise((resolve) => other.stdout.once('data', resolve));

      const open = () => SqliteStore.open(dataDir).db.close();

      expect(open).not.toThrow();
      other.kill();
    });
  });

  describe('when reopened', () => {
    it('keeps the data and does not migrate again', () => {
      const first = SqliteStore.open(dataDir).db;
      first.prepare("INSERT INTO users (id, name, password_hash, created_at) VALUES ('u1', 'ada', 'h', 0)").run();
      first.close();

      const second = SqliteStore.open(dataDir).db;

      expect(second.prepare('SELECT name FROM users').pluck().all()).toEqual(['ada']);
      second.close();
    });
  });

  describe('when the database comes from a newer server', () => {
    it('refuses to open it', () => {
      const db = SqliteStore.open(dataDir).db;
      db.pragma('user_version = 99');
      db.close();

      expect(() => SqliteStore.open(dataDir)).toThrowError(/schema version 99/);
    });
  });
});
