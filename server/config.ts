import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The server's settings, read once from the environment by `loadConfig`. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** The HS256 access-token key, and the root of the refresh-token MAC key in either algorithm. */
  jwtSecret: string;
  /** HS256 signs access tokens with `jwtSecret`; ES256 with key pairs kept in the database and published as a JWKS. */
  jwtAlg: JwtAlg;
  /** ES256: a new signing key every this many days (0: only by `npm run keys:rotate`). */
  keyRotationDays: number;
  /** ES256: how often every instance rereads the keys, and how long a new key is published before it signs. */
  keyReloadSeconds: number;
  /** PostgreSQL (DATABASE_URL) for every instance to share; without it, SQLite in `dataDir`. */
  databaseUrl: string | undefined;
  /** PostgreSQL connections each process may hold; with WORKERS, per worker. */
  databasePoolSize: number;
  jwtIssuer: string;
  jwtAudience: string;
  accessTokenTtlSeconds: number;
  sessionTtlSeconds: number;
  refreshReuseWindowSeconds: number;
  demoUser: string;
  demoPassword: string;
  corsOrigins: string[];
  loginMaxFailures: number;
  loginWindowSeconds: number;
  /** Refreshes per IP per minute; 0 disables the limit. */
  refreshRateLimit: number;
  /** Reverse proxies in front of the server whose X-Forwarded-For is believed; 0 believes none. */
  trustProxyHops: number;
  /** Password checks run at once; keep it below libuv's thread pool (4), which static files share. */
  hashConcurrency: number;
  /** Password checks that may wait for a slot; more are answered 503 with Retry-After. */
  hashQueue: number;
  /** Redis for throttling counters shared by every instance (REDIS_URL); without it they live in this process. */
  redisUrl: string | undefined;
  /** The prefix of this deployment's keys in Redis. */
  redisPrefix: string;
  /** DPoP (RFC 9449): off, taken when a client sends a proof, or required of every client. */
  dpop: DPoPMode;
  /** DPoP nonces rotate every this many seconds; 0 asks for none. */
  dpopNonceSeconds: number;
  /** How old a DPoP proof's `iat` may be, and so how long its `jti` is remembered. */
  dpopProofMaxAgeSeconds: number;
  /** How often expired sessions are deleted, in seconds (0: only at start-up). */
  sweepIntervalSeconds: number;
  /** Verified access tokens kept, so each is verified once (0: verify every request). */
  verifyCacheSize: number;
  /** How long one request may take to arrive, headers and body; a slower one is answered 408 and closed. */
  requestTimeoutSeconds: number;
  logLevel: string;
  /** The built Angular app; served with an SPA fallback when it holds an `index.html`. */
  staticDir: string;
}

/** Whether the server takes DPoP proofs (RFC 9449): never, when a client sends one, or always. */
export type DPoPMode = 'off' | 'optional' | 'required';

/** The algorithms access tokens may be signed with. */
export type JwtAlg = 'HS256' | 'ES256';

/** The environment as `process.env` shapes it. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The minimum HS256 key length in bytes (RFC 8725 §3.5: at least the size of the hash output). */
export const MIN_SECRET_BYTES = 32;

/** The file in `DATA_DIR` that keeps a generated `JWT_SECRET` across restarts. */
export const SECRET_FILE = 'jwt-secret';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Builds the config from `env`, creating `DATA_DIR`; throws an Error naming the variable when a value is invalid. */
export function loadConfig(env: Env): Config {
  const dataDir = resolve(text(env, 'DATA_DIR', './data'));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return {
    port: integer(env, 'PORT', 7000, 0, 65535),
    host: text(env, 'HOST', 'localhost'),
    dataDir,
    jwtSecret: readSecret(env, dataDir),
    jwtAlg: oneOf(env, 'JWT_ALG', 'HS256', ['HS256', 'ES256']) as JwtAlg,
    keyRotationDays: integer(env, 'KEY_ROTATION_DAYS', 0, 0, 3650),
    keyReloadSeconds: integer(env, 'KEY_RELOAD_SECONDS', 60, 1, 3600),
    databaseUrl: postgresUrl(env, 'DATABASE_URL'),
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 1000),
    jwtIssuer: text(env, 'JWT_ISSUER', 'angular-token-refresh'),
    jwtAudience: text(env, 'JWT_AUDIENCE', 'angular-token-refresh-api'),
    accessTokenTtlSeconds: integer(env, 'ACCESS_TOKEN_TTL_SECONDS', 300, 1),
    sessionTtlSeconds: integer(env, 'SESSION_TTL_SECONDS', 1_209_600, 1),
    refreshReuseWindowSeconds: integer(env, 'REFRESH_REUSE_WINDOW_SECONDS', 0, 0),
    demoUser: text(env, 'DEMO_USER', 'demo'),
    demoPassword: text(env, 'DEMO_PASSWORD', 'demo-password'),
    corsOrigins: list(env, 'CORS_ORIGINS', 'http://localhost:4200'),
    loginMaxFailures: integer(env, 'LOGIN_MAX_FAILURES', 10, 1),
    // express-rate-limit clears its window with setInterval, which cannot wait longer than 2^31-1 ms.
    loginWindowSeconds: integer(env, 'LOGIN_WINDOW_SECONDS', 900, 1, 2_147_483),
    refreshRateLimit: integer(env, 'REFRESH_RATE_LIMIT', 300, 0),
    trustProxyHops: integer(env, 'TRUST_PROXY', 0, 0, 10),
    requestTimeoutSeconds: integer(env, 'REQUEST_TIMEOUT_SECONDS', 15, 1, 3600),
    hashConcurrency: integer(env, 'HASH_CONCURRENCY', 2, 1, 64),
    hashQueue: integer(env, 'HASH_QUEUE', 32, 0, 10_000),
    verifyCacheSize: integer(env, 'VERIFY_CACHE_SIZE', 10_000, 0, 1_000_000),
    sweepIntervalSeconds: integer(env, 'SWEEP_INTERVAL_SECONDS', 3600, 0, 2_147_483),
    dpop: oneOf(env, 'DPOP', 'off', ['off', 'optional', 'required']) as DPoPMode,
    dpopNonceSeconds: integer(env, 'DPOP_NONCE_SECONDS', 0, 0, 86_400),
    dpopProofMaxAgeSeconds: integer(env, 'DPOP_PROOF_MAX_AGE_SECONDS', 60, 1, 3600),
    redisUrl: raw(env, 'REDIS_URL'),
    redisPrefix: text(env, 'REDIS_PREFIX', 'atr:'),
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', LOG_LEVELS),
    staticDir: resolve(text(env, 'STATIC_DIR', join(__dirname, '..', 'dist', 'demo', 'browser'))),
  };
}

function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function postgresUrl(env: Env, name: string): string | undefined {
  const value = raw(env, name);
  if (value !== undefined && !/^postgres(ql)?:\/\/[^\s]+$/.test(value)) {
    // Never echo it: the URL may hold a password.
    throw new Error(`Invalid ${name}: expected a postgres:// or postgresql:// URL`);
  }
  return value;
}

function text(env: Env, name: string, fallback: string): string {
  return raw(env, name) ?? fallback;
}

function integer(env: Env, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const parsed = /^\d{1,15}$/.test(value) ? Number(value) : NaN;
  if (!(parsed >= min && parsed <= max)) {
    throw new Error(`Invalid ${name}: expected an integer from ${min} to ${max}, got "${value}"`);
  }
  return parsed;
}

function list(env: Env, name: string, fallback: string): string[] {
  const items = text(env, name, fallback)
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0) throw new Error(`Invalid ${name}: expected a comma-separated list`);
  return items;
}

function oneOf(env: Env, name: string, fallback: string, allowed: string[]): string {
  const value = text(env, name, fallback);
  if (!allowed.includes(value)) throw new Error(`Invalid ${name}: expected one of ${allowed.join(', ')}, got "${value}"`);
  return value;
}

function readSecret(env: Env, dataDir: string): string {
  const fromEnv = raw(env, 'JWT_SECRET');
  if (fromEnv !== undefined) return checkSecret(fromEnv, 'JWT_SECRET');
  const file = join(dataDir, SECRET_FILE);
  if (!existsSync(file)) createSecretFile(file);
  const secret = readFileSync(file, 'utf8').trim();
  if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) {
    throw new Error(
      `Invalid generated secret in ${file}: it is ${Buffer.byteLength(secret, 'utf8')} bytes, fewer than the ${MIN_SECRET_BYTES} it was written with. ` +
        'Something cut it short; delete it to have a new one generated (that signs every user out), or set JWT_SECRET.',
    );
  }
  return secret;
}

// The secret is written whole and fsync'd under a temporary name, then linked into place. link() fails if the file
// exists, so of servers starting together the first wins and the others read its file, never a partly written one.
function createSecretFile(file: string): void {
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, randomBytes(MIN_SECRET_BYTES).toString('base64url'));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, file);
    syncDirectory(dirname(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
}

function syncDirectory(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function checkSecret(secret: string, source: string): string {
  const bytes = Buffer.byteLength(secret, 'utf8');
  if (bytes < MIN_SECRET_BYTES) {
    throw new Error(
      `Invalid ${source}: it is ${bytes} bytes, but an HS256 secret needs at least ${MIN_SECRET_BYTES} random bytes. ` +
        'Unset JWT_SECRET to have one generated, or use e.g. `openssl rand -base64 32`.',
    );
  }
  return secret;
}
