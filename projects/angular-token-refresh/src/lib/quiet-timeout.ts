import { MonoTypeOperatorFunction, Observable } from 'rxjs';

/**
 * Fails with `error()` once `ms` pass without a value, or without activity where `lastActivity` tells its time (epoch
 * ms). Each value restarts the wait. What rxjs `timeout({ each })` does, on a plain timer: rxjs's version brings its
 * scheduler classes along, about 1 kB (brotli) of every app's initial bundle, for two timers.
 *
 * Activity is read when the timer fires instead of being pushed to each waiter: with N waiters and N events of
 * activity, pushing costs N² timer resets (a storm of 1000 401s joining one refresh made 500,000). `deliver` runs
 * each value, error and completion, wherever it comes from (the Angular zone's `run`, say).
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
      const arm = (delay: number) => {
        clearTimeout(timer);
        timer = setTimeout(expire, delay);
      };
      const expire = () => {
        const quiet = Date.now() - Math.max(lastValue, lastActivity());
        if (quiet >= ms) deliver(() => subscriber.error(error()));
        else arm(ms - quiet);
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
