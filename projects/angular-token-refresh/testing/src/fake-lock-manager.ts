/**
 * A Web Locks stand-in for specs: exclusive locks only, granted in a microtask as browsers do (and, under zone.js, in
 * the root zone, as browsers do since zone.js does not patch Web Locks); a spec can hold one "in another tab" to see
 * what the app does while it waits.
 */
export class FakeLockManager implements LockManager {
  private readonly held = new Set<string>();
  private readonly waiting: { readonly name: string; readonly grant: () => void }[] = [];
  /** Every lock name requested, in order. */
  readonly requested: string[] = [];

  /** Like `LockManager.request(name, [{ signal }], callback)`. */
  request<T>(name: string, callback: LockGrantedCallback<T>): Promise<T>;
  request<T>(name: string, options: LockOptions, callback: LockGrantedCallback<T>): Promise<T>;
  request(name: string, ...args: [LockGrantedCallback<unknown>] | [LockOptions, LockGrantedCallback<unknown>]): Promise<unknown> {
    const [options, callback]: [LockOptions, LockGrantedCallback<unknown>] = args.length === 1 ? [{}, args[0]] : args;
    this.requested.push(name);
    return new Promise((resolve, reject) => {
      const grant = () => {
        Promise.resolve(callback({ name, mode: 'exclusive' } as Lock))
          .then(resolve, reject)
          .finally(() => this.release(name));
      };
      const abort = () => reject(new DOMException('The lock request was aborted', 'AbortError'));
      if (options.signal?.aborted) {
        abort();
        return;
      }
      if (!this.held.has(name)) {
        this.held.add(name);
        grantLater(grant);
        return;
      }
      const entry = { name, grant };
      this.waiting.push(entry);
      options.signal?.addEventListener('abort', () => {
        const index = this.waiting.indexOf(entry);
        if (index >= 0) {
          this.waiting.splice(index, 1);
          abort();
        }
      });
    });
  }

  /** What is held and waited for, as `LockManager.query()` reports it. */
  query(): Promise<LockManagerSnapshot> {
    const info = (name: string): LockInfo => ({ name, mode: 'exclusive' });
    return Promise.resolve({ held: [...this.held].map(info), pending: this.waiting.map((entry) => info(entry.name)) });
  }

  /** Takes lock `name` as another tab would; call the returned function to release it. */
  hold(name: string): () => void {
    this.held.add(name);
    return () => this.release(name);
  }

  private release(name: string): void {
    this.held.delete(name);
    const next = this.waiting.findIndex((entry) => entry.name === name);
    if (next >= 0) {
      this.held.add(name);
      grantLater(this.waiting.splice(next, 1)[0].grant);
    }
  }
}

/** Calls `grant` in a microtask of the root zone where zone.js is loaded, of the only zone otherwise. */
function grantLater(grant: () => void): void {
  const root = (globalThis as { Zone?: { root: { run(task: () => void): void } } }).Zone?.root;
  if (root) {
    root.run(() => queueMicrotask(grant));
  } else {
    queueMicrotask(grant);
  }
}
