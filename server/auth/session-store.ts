import type { Db } from '../database';

/** A session row joined with its user's name; times are epoch milliseconds. */
export interface Session {
  id: string;
  userId: string;
  userName: string;
  counter: number;
  createdAt: number;
  expiresAt: number;
  rotatedAt: number | null;
  revokedAt: number | null;
  revokeReason: string | null;
  /** The client's id for the refresh that moved the session to `counter`, if it gave one. */
  lastAttempt: string | null;
}

/** Why a session was revoked. */
export type RevokeReason = 'logout' | 'reuse';

/** Owns the SQL for the `sessions` table. It stores counters, never refresh tokens. */
export class SessionStore {
  constructor(private readonly db: Db) {}

  /** Runs `work` in one IMMEDIATE transaction, so a read-decide-write is atomic across processes too. */
  inTransaction<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  /** Opens a session at counter 0 for a user who still exists; returns whether it did. */
  create(session: { id: string; userId: string; createdAt: number; expiresAt: number }): boolean {
    return (
      this.db
        .prepare(
          `INSERT INTO sessions (id, user_id, counter, created_at, expires_at)
           SELECT ?, id, 0, ?, ? FROM users WHERE id = ?`,
        )
        .run(session.id, session.createdAt, session.expiresAt, session.userId).changes === 1
    );
  }

  /** Returns the session and its user's name, or undefined if either is gone. */
  find(id: string): Session | undefined {
    return this.db
      .prepare<[string], Session>(
        `SELECT s.id, s.user_id AS userId, u.name AS userName, s.counter, s.created_at AS createdAt,
                s.expires_at AS expiresAt, s.rotated_at AS rotatedAt, s.revoked_at AS revokedAt,
                s.revoke_reason AS revokeReason, s.last_attempt AS lastAttempt
           FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.id = ?`,
      )
      .get(id);
  }

  /** Moves a live session from `counter` to `counter + 1` for refresh `attempt`; false if another request got there first. */
  advance(id: string, counter: number, now: number, attempt: string | null = null): boolean {
    return (
      this.db
        .prepare(
          'UPDATE sessions SET counter = counter + 1, rotated_at = ?, last_attempt = ? WHERE id = ? AND counter = ? AND revoked_at IS NULL',
        )
        .run(now, attempt, id, counter).changes === 1
    );
  }

  /** Revokes the session if it is still live; the first reason wins. */
  revoke(id: string, now: number, reason: RevokeReason): void {
    this.db.prepare('UPDATE sessions SET revoked_at = ?, revoke_reason = ? WHERE id = ? AND revoked_at IS NULL').run(now, reason, id);
  }

  /** Deletes sessions whose absolute lifetime ended before `now`; returns how many. */
  deleteExpired(now: number): number {
    return this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now).changes;
  }
}
