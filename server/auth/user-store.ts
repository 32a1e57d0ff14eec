import type { Db } from '../database';

/** A user row. */
export interface User {
  id: string;
  name: string;
  passwordHash: string;
}

/** Owns the SQL for the `users` table. */
export class UserStore {
  constructor(private readonly db: Db) {}

  /** Returns the user with this exact name, if any. */
  findByName(name: string): User | undefined {
    return this.db.prepare<[string], User>('SELECT id, name, password_hash AS passwordHash FROM users WHERE name = ?').get(name);
  }

  /** Replaces the user's password hash, unless it changed since `current` was read. */
  replacePasswordHash(id: string, current: string, next: string): void {
    this.db.prepare('UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?').run(next, id, current);
  }

  /** Inserts a user unless one with this name exists; returns whether it inserted. */
  insertIfMissing(user: User, createdAt: number): boolean {
    const result = this.db
      .prepare('INSERT INTO users (id, name, password_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING')
      .run(user.id, user.name, user.passwordHash, createdAt);
    return result.changes === 1;
  }
}
