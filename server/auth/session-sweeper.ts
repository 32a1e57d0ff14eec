import type { SessionStore } from './session-store';

/**
 * Deletes sessions whose absolute lifetime ended, now and then every `intervalSeconds` (none when 0), so a server that
 * runs for months does not keep every session it ever opened. The timer never keeps the process alive; the returned
 * function stops it. A failed sweep (the database busy or gone) is retried at the next tick.
 */
export function sweepExpiredSessions(sessions: SessionStore, now: () => number, intervalSeconds: number): () => void {
  const sweep = () => {
    try {
      sessions.deleteExpired(now());
    } catch {
      // The next tick tries again; requests meanwhile see expired sessions as expired anyway.
    }
  };
  sweep();
  if (intervalSeconds === 0) return () => undefined;
  const timer = setInterval(sweep, intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
