import type { TabLockManager } from './tab-lock';
import type { TokenStorage } from './token-storage';

/** How long a lease lasts unless its holder renews it: what a tab that closed or froze holding it costs the others. */
export const LEASE_MS = 10_000;
/** How often a waiting tab looks again when no release is announced (a holder that closed, or froze). */
const RECHECK_MS = 250;

/** One lease as stored: who holds it, and until when (epoch ms). */
interface Lease {
  readonly holder: string;
  readonly until: number;
}

/**
 * Web Locks' `request`, for browsers without them (plain `http://` on a host other than localhost, old browsers):
 * an exclusive lease per name, taken with the storage's atomic compare-and-set (IndexedDB, which insecure contexts
 * have), renewed while held, and announced on `channel` when given back. A holder that closed or froze loses it
 * after {@link LEASE_MS}; whoever takes it next reads what the last holder committed, as under a Web Lock.
 */
export class LeaseLockManager implements TabLockManager {
  constructor(
    private readonly storage: TokenStorage,
    private readonly channel: BroadcastChannel | null,
  ) {}

  /** Like `LockManager.request(name, { signal }, callback)`: `callback` runs holding the lease; an aborted wait rejects. */
  async request<T>(name: string, options: { signal?: AbortSignal }, callback: () => T | PromiseLike<T>): Promise<T> {
    const holder = crypto.getRandomValues(new Uint32Array(2)).join('.');
    try {
      for (;;) {
        options.signal?.throwIfAborted();
        if (await this.take(name, holder)) break;
        await this.released(name, options.signal);
      }
    } catch (error: unknown) {
      if (options.signal?.aborted) throw error;
      // The storage failed (a full disk, private mode): single-flight in this tab only, as without any lock.
      return callback();
    }
    const renew = setInterval(() => void this.take(name, holder).catch(() => undefined), LEASE_MS / 3);
    try {
      return await callback();
    } finally {
      clearInterval(renew);
      // Given back; or, if the storage fails now, left to lapse.
      const release = (stored: unknown) =>
        leaseOf(stored, name)?.holder === holder ? Object.assign({}, stored, { [name]: null }) : undefined;
      await this.storage.update(release).catch(() => undefined);
      this.channel?.postMessage(name);
    }
  }

  // Takes or renews the lease in one atomic step: free, lapsed, or already this holder's.
  private async take(name: string, holder: string): Promise<boolean> {
    const now = Date.now();
    const stored = await this.storage.update((current) => {
      const lease = leaseOf(current, name);
      return !lease || lease.until <= now || lease.holder === holder
        ? Object.assign({}, current, { [name]: { holder, until: now + LEASE_MS } })
        : undefined;
    });
    return leaseOf(stored, name)?.holder === holder;
  }

  // Resolves when a release of `name` is announced or a while has passed; rejects once `signal` aborts.
  private released(name: string, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.channel?.removeEventListener('message', onMessage);
        signal?.removeEventListener('abort', onAbort);
      };
      const onMessage = (message: MessageEvent) => message.data === name && (done(), resolve());
      const onAbort = () => (done(), reject(signal?.reason ?? new DOMException('The lease request was aborted', 'AbortError')));
      const timer = setTimeout(() => (done(), resolve()), RECHECK_MS);
      if (signal?.aborted) {
        onAbort();
        return;
      }
      this.channel?.addEventListener('message', onMessage);
      signal?.addEventListener('abort', onAbort);
    });
  }
}

function leaseOf(stored: unknown, name: string): Lease | null {
  const lease = typeof stored === 'object' && stored !== null ? (stored as Record<string, unknown>)[name] : null;
  return typeof lease === 'object' &&
    lease !== null &&
    typeof (lease as Lease).holder === 'string' &&
    typeof (lease as Lease).until === 'number'
    ? (lease as Lease)
    : null;
}
