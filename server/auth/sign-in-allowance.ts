import type { Redis } from '../throttle-store';

/** What {@link SignInAllowance.take} answers: a place to check a password, none until one in flight ends, or none left. */
export type Turn = { readonly kind: 'granted' } | { readonly kind: 'wait' } | { readonly kind: 'spent'; readonly retryAfterMs: number };

/**
 * The failed sign-ins a key (an IP and user name) is allowed within a window, counting the password checks in flight
 * as failures until they end: with `max` allowed, no more than `max` minus the failures so far are ever in flight, so
 * concurrent guesses cannot outrun the count, while correct passwords only wait their turn.
 */
export interface SignInAllowance {
  /** Takes a place for one password check of `key`, if failures and checks in flight leave one. */
  take(key: string): Promise<Turn>;
  /** Gives the place back once the check ended; `failed` (a refused password) counts into the window. */
  give(key: string, failed: boolean): Promise<void>;
}

/** The allowance in this process, for one instance, by `now`'s clock; a key's window starts at its first failure. */
export function memoryAllowance(max: number, windowMs: number, now: () => number): SignInAllowance {
  const keys = new Map<string, { failures: number; resetAt: number; inFlight: number }>();
  let takes = 0;
  const counts = (key: string) => {
    const found = keys.get(key) ?? { failures: 0, resetAt: 0, inFlight: 0 };
    if (found.resetAt <= now()) found.failures = 0;
    keys.set(key, found);
    return found;
  };
  // Keys whose window ended and that have nothing in flight are forgotten now and then, so guesses at many keys
  // cannot grow the map without bound.
  const forgetIdle = () => {
    for (const [key, { resetAt, inFlight }] of keys) if (resetAt <= now() && inFlight === 0) keys.delete(key);
  };
  return {
    take: async (key) => {
      if (++takes % 1_000 === 0) forgetIdle();
      const found = counts(key);
      if (found.failures >= max) return { kind: 'spent', retryAfterMs: found.resetAt - now() };
      if (found.failures + found.inFlight >= max) return { kind: 'wait' };
      found.inFlight++;
      return { kind: 'granted' };
    },
    give: async (key, failed) => {
      const found = counts(key);
      found.inFlight--;
      if (failed && found.failures++ === 0) found.resetAt = now() + windowMs;
      if (found.failures === 0 && found.inFlight === 0) keys.delete(key);
    },
  };
}

// KEYS: failures, in flight. ARGV: max, how long a place may be held (ms). Failures expire with their window.
const TAKE = `
local failures = tonumber(redis.call('GET', KEYS[1]) or '0')
if failures >= tonumber(ARGV[1]) then return {-1, redis.call('PTTL', KEYS[1])} end
local inFlight = tonumber(redis.call('GET', KEYS[2]) or '0')
if failures + inFlight >= tonumber(ARGV[1]) then return {0, 0} end
redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return {1, 0}`;

// KEYS: failures, in flight. ARGV: 1 when the password was refused, the window (ms).
const GIVE = `
if redis.call('DECR', KEYS[2]) <= 0 then redis.call('DEL', KEYS[2]) end
if ARGV[1] == '1' and redis.call('INCR', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`;

/**
 * The allowance in Redis, shared by every instance: each step is one script, so instances never race. A place held by
 * an instance that died is freed after `holdMs` (the longest a request may take).
 */
export function redisAllowance(redis: Redis, prefix: string, max: number, windowMs: number, holdMs: number): SignInAllowance {
  const keysOf = (key: string) => [`${prefix}failures:${key}`, `${prefix}in-flight:${key}`];
  const run = (script: string, key: string, args: (string | number)[]) =>
    redis.sendCommand(['EVAL', script, '2', ...keysOf(key), ...args.map(String)]);
  return {
    take: async (key) => {
      const [granted, ttl] = (await run(TAKE, key, [max, holdMs])) as unknown as [number, number];
      if (granted === 1) return { kind: 'granted' };
      return granted === 0 ? { kind: 'wait' } : { kind: 'spent', retryAfterMs: ttl > 0 ? ttl : windowMs };
    },
    give: async (key, failed) => {
      await run(GIVE, key, [failed ? 1 : 0, windowMs]);
    },
  };
}
