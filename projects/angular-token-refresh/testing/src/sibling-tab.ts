import { Provider } from '@angular/core';

import { TOKEN_CHANNEL } from 'angular-token-refresh';

import { MemoryStorage } from './memory-storage';

/** Plays another tab of the origin in a spec: it writes to the shared storage and pings the tab under test. */
export class SiblingTab {
  private readonly channel = new FakeChannel();

  /** Shares `storage` with the tab under test. */
  constructor(private readonly storage: MemoryStorage) {}

  /** Connects the spec's `TokenStore` to this sibling's pings, in place of a `BroadcastChannel`. */
  provider(): Provider {
    return { provide: TOKEN_CHANNEL, useValue: this.channel };
  }

  /** Stores `value` (a pair, `null`, or garbage) and, unless `notify` is false (a ping not delivered yet), pings. */
  write(value: unknown, notify = true): void {
    this.storage.value = value;
    if (notify) {
      this.channel.dispatchEvent(new MessageEvent('message', { data: 'changed' }));
    }
  }

  /** How many pings the tab under test sent to its siblings. */
  get pings(): number {
    return this.channel.posted;
  }
}

class FakeChannel extends EventTarget {
  posted = 0;

  postMessage(): void {
    this.posted++;
  }

  close(): void {
    this.posted = -Infinity;
  }
}
