import { HttpError } from '../http-error';

/**
 * Runs at most `concurrency` password checks at once, with at most `queueLength` more waiting; past that a check is
 * refused at once with 503 and `Retry-After`. Hashing runs on libuv's thread pool, which static files share, so an
 * unbounded flood of sign-ins would stall every other request too. A check whose caller went away is never run.
 */
export class HashingSlots {
  private running = 0;
  private readonly waiting: { readonly start: () => void; readonly signal?: AbortSignal }[] = [];

  /** Allows `concurrency` checks at once and `queueLength` waiting. */
  constructor(
    private readonly concurrency: number,
    private readonly queueLength: number,
  ) {}

  /** Runs `work` in a free slot; rejects with 503 when the queue is full, or with `signal`'s reason once aborted. */
  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queueLength) {
        throw new HttpError(503, 'temporarily_unavailable', 'Too many sign-ins at once; try again shortly', { 'Retry-After': '1' });
      }
      await this.turn(signal);
    }
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.next();
    }
  }

  private turn(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const entry = { start: resolve, signal };
      this.waiting.push(entry);
      signal?.addEventListener(
        'abort',
        () => {
          const index = this.waiting.indexOf(entry);
          if (index >= 0) {
            this.waiting.splice(index, 1);
            reject(signal.reason);
          }
        },
        { once: true },
      );
    });
  }

  private next(): void {
    let entry = this.waiting.shift();
    while (entry?.signal?.aborted) entry = this.waiting.shift();
    entry?.start();
  }
}
