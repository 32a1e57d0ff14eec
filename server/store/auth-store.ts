/** A user row. */
export interface User {
  id: string;
  name: string;
  passwordHash: string;
}

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
  /** The JWK thumbprint of the DPoP key the session is bound to, or null for a bearer session. */
  jkt: string | null;
}

/** What opening a session takes. */
export interface NewSession {
  id: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
  /** The thumbprint of the DPoP key that proved the sign-in, or null. */
  jkt: string | null;
}

/** Why a session was revoked. */
export type RevokeReason = 'logout' | 'reuse';

/** An access-token signing key pair (JWT_ALG=ES256), as JWKs; `retiresAt` is when its public key leaves the JWKS. */
export interface SigningKey {
  kid: string;
  privateJwk: string;
  publicJwk: string;
  createdAt: number;
  retiresAt: number | null;
}

/**
 * Everything the token server keeps, behind one async interface with two implementations: SQLite (the embedded
 * default) and PostgreSQL (DATABASE_URL). Every method is one statement or one transaction, so concurrent requests
 * on any number of processes decide races in the database, never in a process's memory. It stores session counters,
 * never refresh tokens.
 */
export interface AuthStore {
  /** Which database this is, for logs and /readyz. */
  readonly kind: 'sqlite' | 'postgres';

  /** Returns the user with this exact name, if any. */
  findUserByName(name: string): Promise<User | undefined>;
  /** Replaces the user's password hash, unless it changed since `current` was read. */
  replacePasswordHash(id: string, current: string, next: string): Promise<void>;
  /** Inserts a user unless one with this name exists; returns whether it inserted. */
  insertUserIfMissing(user: User, createdAt: number): Promise<boolean>;

  /** Opens a session at counter 0 for a user who still exists; returns whether it did. */
  createSession(session: NewSession): Promise<boolean>;
  /** Returns the session and its user's name, or undefined if either is gone. */
  findSession(id: string): Promise<Session | undefined>;
  /**
   * Moves a live session from `counter` to `counter + 1` for refresh `attempt`, in one conditional UPDATE; false if
   * another request, on any instance, got there first or the session was revoked.
   */
  advanceSession(id: string, counter: number, now: number, attempt: string | null): Promise<boolean>;
  /** Revokes the session if it is still live; the first reason wins. */
  revokeSession(id: string, now: number, reason: RevokeReason): Promise<void>;
  /** Deletes sessions whose absolute lifetime ended before `now`; returns how many. */
  deleteExpiredSessions(now: number): Promise<number>;

  /** The signing keys whose public keys are still published at `now`, newest first. */
  signingKeys(now: number): Promise<SigningKey[]>;
  /**
   * Atomically, unless a key newer than `createdAfter` exists: inserts `key` and sets `retiresAt` on every key that
   * had none. Of instances rotating at once, one inserts; returns whether this call did. A key is always stored as
   * newer than every other (1 ms later than the newest, if need be), so "the newest key" is never a tie.
   */
  addSigningKey(key: Omit<SigningKey, 'retiresAt'>, createdAfter: number, retireOthersAt: number): Promise<boolean>;
  /** Deletes keys whose public key may leave the JWKS by `now`. */
  deleteRetiredKeys(now: number): Promise<number>;

  /** Keeps `proposed` as the value of setting `name` unless one is kept already; returns the value kept. */
  sharedSetting(name: string, proposed: string): Promise<string>;

  /** Resolves when the database answers a trivial query; rejects with `StoreUnavailableError` otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The database cannot be reached or is overloaded (connection refused or lost, a lock held too long). Requests that
 * meet it are answered 503 with Retry-After: nothing was decided, and the same request may succeed in a moment.
 */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`The database is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'StoreUnavailableError';
  }
}
