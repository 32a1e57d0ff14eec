import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openDatabase } from './database';

describe('openDatabase', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'token-db-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('when the database is new', () => {
    it('creates the schema in WAL mode and records its version', () => {
      const db = openDatabase(dataDir);

      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
      expect(tables).toEqual(['sessions', 'users']);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('user_version', { simple: true })).toBe(1);
      db.close();
    });
  });

  describe('when reopened', () => {
    it('keeps the data and does not migrate again', () => {
      const first = openDatabase(dataDir);
      first.prepare("INSERT INTO users (id, name, password_hash, created_at) VALUES ('u1', 'ada', 'h', 0)").run();
      first.close();

      const second = openDatabase(dataDir);

      expect(second.prepare('SELECT name FROM users').pluck().all()).toEqual(['ada']);
      second.close();
    });
  });

  describe('when the database comes from a newer server', () => {
    it('refuses to open it', () => {
      const db = openDatabase(dataDir);
      db.pragma('user_version = 99');
      db.close();

      expect(() => openDatabase(dataDir)).toThrowError(/schema version 99/);
    });
  });
});
