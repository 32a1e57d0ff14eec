import type { AuthStore } from '../store/auth-store';

/**
 * Deletes sessions whose absolute lifetime ended, now and then every `intervalSeconds` (none when 0), so a server that
 * runs for months does not keep every session it ever opened. The timer never keeps the process alive; the returned
 * function stops it. A failed sweep (the database busy or gone) is retried at the next tick.
 */
export function sweepExpiredSessions(
  store: Pick<AuthStore, 'deleteExpiredSessions'>,
  now: () => number,
  intervalSeconds: number,
): () => void {
  const sweep = () => {
    // The next tick tries again; requests meanwhile see expired sessions as expired anyway.
    store.deleteExpiredSessions(now()).catch(() => undefined);
  };
  sweep();
  if (intervalSeconds === 0) return () => undefined;
  const timer = setInterval(sweep, intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
