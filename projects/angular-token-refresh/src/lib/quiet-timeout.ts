import { MonoTypeOperatorFunction, Observable } from 'rxjs';

/**
 * How late a timer may fire before its page counts as having been paused or frozen meanwhile, and how long it then
 * waits before it fails.
 */
export const LATE_TIMER_GRACE_MS = 500;

/**
 * Fails with `error()` once `ms` pass without a value, or without activity where `lastActivity` tells its time (epoch
 * ms). Each value restarts the wait. What rxjs `timeout({ each })` does, on a plain timer: rxjs's version brings its
 * scheduler classes along, about 1 kB (brotli) of every app's initial bundle, for two timers.
 *
 * Activity is read when the timer fires instead of being pushed to each waiter: with N waiters and N events of
 * activity, pushing costs N² timer resets (a storm of 1000 401s joining one refresh made 500,000). `deliver` runs
 * each value, error and completion, wherever it comes from (the Angular zone's `run`, say).
 *
 * A timer that fires well after it was due ran in a page that was paused (a debugger) or frozen meanwhile, and a
 * value that arrived then is queued behind it: it waits {@link LATE_TIMER_GRACE_MS} once before it fails, so an
 * answer that already arrived is never thrown away for a timeout that fired late.
 */
export function quietTimeout<T>(
  ms: number,
  error: () => unknown,
  lastActivity: () => number = () => 0,
  deliver: (notify: () => void) => void = (notify) => notify(),
): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let lastValue = Date.now();
      let dueAt = 0;
      let forgiven = false;
      const arm = (delay: number) => {
        clearTimeout(timer);
        dueAt = Date.now() + delay;
        timer = setTimeout(expire, delay);
      };
      const expire = () => {
        const quiet = Date.now() - Math.max(lastValue, lastActivity());
        if (quiet < ms) {
          arm(ms - quiet);
        } else if (!forgiven && Date.now() - dueAt > LATE_TIMER_GRACE_MS) {
          // Once: a throttled background tab, whose every timer is late, still times out.
          forgiven = true;
          arm(LATE_TIMER_GRACE_MS);
        } else {
          deliver(() => subscriber.error(error()));
        }
      };
      arm(ms);
      const subscription = source.subscribe({
        next: (value) => {
          lastValue = Date.now();
          arm(ms);
          deliver(() => subscriber.next(value));
        },
        error: (failure: unknown) => deliver(() => subscriber.error(failure)),
        complete: () => deliver(() => subscriber.complete()),
      });
      return () => {
        clearTimeout(timer);
        subscription.unsubscribe();
      };
    });
}
