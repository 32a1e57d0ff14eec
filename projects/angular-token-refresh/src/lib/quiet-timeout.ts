import { MonoTypeOperatorFunction, Observable } from 'rxjs';

/**
 * Fails with `error()` once `ms` pass without a value; each value restarts the wait. What rxjs `timeout({ each })`
 * does, on a plain timer: rxjs's version brings its scheduler classes along, about 1 kB (brotli) of every app's
 * initial bundle, for two timers.
 */
export function quietTimeout<T>(ms: number, error: () => unknown): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => subscriber.error(error()), ms);
      };
      arm();
      const subscription = source.subscribe({
        next: (value) => {
          arm();
          subscriber.next(value);
        },
        error: (failure: unknown) => subscriber.error(failure),
        complete: () => subscriber.complete(),
      });
      return () => {
        clearTimeout(timer);
        subscription.unsubscribe();
      };
    });
}
