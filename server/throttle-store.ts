import { MemoryStore, type ClientRateLimitInfo, type IncrementResponse, type Options, type Store } from 'express-rate-limit';
import { RedisStore } from 'rate-limit-redis';
import { createClient } from 'redis';

/** The shared Redis connection (REDIS_URL). */
export type Redis = ReturnType<typeof newClient>;

/**
 * Opens the Redis connection for REDIS_URL. It reconnects by itself, backing off to 2 s, and while it is down every
 * command fails at once instead of queueing, so a throttled request waits for nobody. `onError` hears each failure.
 */
export function connectRedis(url: string, onError: (error: unknown) => void): Redis {
  const client = newClient(url);
  client.on('error', onError);
  client.connect().catch(onError);
  return client;
}

function newClient(url: string) {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 2_000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2_000) },
  });
}

/** Counters for express-rate-limit: in Redis when there is one, shared by every instance; in this process otherwise. */
export function throttleStore(redis: Redis | undefined, prefix: string): Store {
  return redis ? new RecoveringRedisStore(redis, prefix) : new MemoryStore();
}

/**
 * rate-limit-redis loads its Lua scripts once, in `init`; if Redis is down then, every later call fails even after it
 * comes back. This store sets it up on first use instead, and again after any failure, so throttling recovers
 * without a restart.
 */
class RecoveringRedisStore implements Store {
  readonly localKeys = false;
  private options: Options | undefined;
  private ready: Promise<RedisStore> | undefined;

  constructor(
    private readonly redis: Redis,
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    this.options = options;
  }

  get(key: string): Promise<ClientRateLimitInfo | undefined> {
    return this.call((store) => store.get(key));
  }

  increment(key: string): Promise<IncrementResponse> {
    return this.call((store) => store.increment(key));
  }

  decrement(key: string): Promise<void> {
    return this.call((store) => store.decrement(key));
  }

  resetKey(key: string): Promise<void> {
    return this.call((store) => store.resetKey(key));
  }

  private async call<T>(work: (store: RedisStore) => Promise<T>): Promise<T> {
    this.ready ??= this.open();
    try {
      return await work(await this.ready);
    } catch (error) {
      this.ready = undefined;
      throw error;
    }
  }

  private async open(): Promise<RedisStore> {
    const store = new RedisStore({ sendCommand: (...command: string[]) => this.redis.sendCommand(command), prefix: this.prefix });
    await store.init(this.options!);
    return store;
  }
}
